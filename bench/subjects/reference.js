// Reference designs for the track() goal: what each part of a tracker's work costs the page's
// main thread on its own, without any SDK around it. Every design tracks the floor's event with
// Trackpoint's wire fields; `options.design` picks what else happens:
//
//   v7            the event id is a UUID v7 from core's generator instead of crypto.randomUUID()
//   handoff       once per task, the task's events go to a dedicated worker as one JSON string
//                 (the worker drops them): the cost of handing events off the main thread
//   worker-fetch  handoff, then the worker POSTs them 100 per request, one request at a time
//   shared-fetch  the same in a SharedWorker
//   worker-idb    worker-fetch, with each batch written to IndexedDB before its request and
//                 deleted after (two transactions per 100 events), as a persistent queue does
//   shared-idb    the same in a SharedWorker
//
// `node bench/run.mjs --no-sizes --subjects=ref-v7,ref-handoff,…` runs them (docs/decisions.md).
import { createEventIds } from '../../packages/core/src/uuid.ts'
import { register } from './harness.js'

// The worker: `port` is the dedicated worker's scope or the shared worker's port.
const workerSource = `const serve = (port) => {
  let url
  let db
  const open = () => (db ??= new Promise((resolve, reject) => {
    const request = indexedDB.open('reference')
    request.onupgradeneeded = () => request.result.createObjectStore('batches')
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  }))
  const write = (change) => open().then((d) => new Promise((resolve, reject) => {
    const tx = d.transaction('batches', 'readwrite')
    change(tx.objectStore('batches'))
    tx.oncomplete = resolve
    tx.onerror = () => reject(tx.error)
  }))
  let seq = 0
  port.onmessage = async ({ data: [kind, id, text] }) => {
    if (kind === 'init') return void (url = text)
    if (kind === 'drop') return port.postMessage(id)
    const events = JSON.parse(text)
    for (let i = 0; i < events.length; i += 100) {
      const body = JSON.stringify({ app_id: 'bench', events: events.slice(i, i + 100) })
      const key = seq++
      if (kind === 'idb') await write((store) => store.put(body, key))
      await (await fetch(url, { method: 'POST', body, credentials: 'omit' })).json()
      if (kind === 'idb') await write((store) => store.delete(key))
    }
    port.postMessage(id)
  }
}
'onconnect' in self ? (onconnect = (e) => serve(e.ports[0])) : serve(self)`

const nextId = createEventIds()
let design
let port
let pending = []
let scheduled = false
let chunks = 0
const unsettled = new Set()
let waiters = []

const handOff = () => {
  scheduled = false
  const id = ++chunks
  unsettled.add(id)
  const kind = design.endsWith('fetch') ? 'fetch' : design.endsWith('idb') ? 'idb' : 'drop'
  port.postMessage([kind, id, JSON.stringify(pending)])
  pending = []
}

register({
  async setup({ endpoint, design: d }) {
    design = d
    if (design === 'v7') return
    const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }))
    if (design.startsWith('shared')) {
      const shared = new SharedWorker(url)
      port = shared.port
    } else port = new Worker(url)
    port.onmessage = ({ data: id }) => {
      unsettled.delete(id)
      if (!unsettled.size) waiters.splice(0).forEach((resolve) => resolve())
    }
    port.postMessage(['init', 0, `${endpoint}/api/v1/track`])
  },
  call(i) {
    const now = Date.now()
    pending.push({
      event_id: design === 'v7' ? nextId(now) : crypto.randomUUID(),
      event_name: 'card_click',
      user_id: 'u',
      timestamp: now,
      platform: 'web',
      page: '/',
      session_id: 's',
      properties: { card_id: 'c' + i },
    })
    if (design !== 'v7' && !scheduled) {
      scheduled = true
      setTimeout(handOff, 0)
    }
  },
  drain: () =>
    new Promise((resolve) => (unsettled.size ? waiters.push(resolve) : resolve(pending.length))),
})
