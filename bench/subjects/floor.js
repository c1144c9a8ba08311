// The floor: the least any tracker must do — build the event and keep it.
import { register } from './harness.js'

const events = []

register({
  setup: async () => {},
  call(i) {
    events.push({
      event_id: crypto.randomUUID(),
      event_name: 'card_click',
      timestamp: Date.now(),
      properties: { card_id: 'c' + i },
    })
  },
  drain: async () => events.length,
})
