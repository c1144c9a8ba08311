// A reference for the transport: the floor's event (with Trackpoint's wire fields) plus, per 100
// events, one JSON.stringify and one fetch POST in a later task — no persistence, no gzip, no
// retries. What sending 100 batches costs the main thread when nothing else is done.
import { register } from './harness.js'

const BATCH = 100
let url
let batch = []
const sends = []

const send = (events) =>
  sends.push(
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ app_id: 'bench', events }),
      credentials: 'omit',
    }).then((r) => r.json()),
  )

register({
  async setup({ endpoint }) {
    url = `${endpoint}/api/v1/track`
  },
  call(i) {
    batch.push({
      event_id: crypto.randomUUID(),
      event_name: 'card_click',
      user_id: 'u',
      timestamp: Date.now(),
      platform: 'web',
      page: location.pathname,
      session_id: 's',
      properties: { card_id: 'c' + i },
    })
    if (batch.length === BATCH) {
      const events = batch
      batch = []
      setTimeout(() => send(events), 0)
    }
  },
  drain: async () => {
    if (batch.length) send(batch.splice(0))
    await Promise.all(sends)
  },
})
