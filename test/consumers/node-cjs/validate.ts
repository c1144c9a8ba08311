// CommonJS (package.json "type": "commonjs"): tsc emits `require('@trackpoint/schema')`, and
// the types come from the package's `require` condition (index.d.cts).
import { validateEvent, validateEvents } from '@trackpoint/schema'
import type { EventValidationResult } from '@trackpoint/schema'

const event = {
  event_id: '0190b7c2-8f3a-7cc1-9a6e-2f1d3c4b5a69',
  event_name: 'recommend_impression',
  user_id: '12345678',
  timestamp: Date.now(),
  platform: 'web',
  page: '/onchain/landing',
  session_id: 'sess_abcdef123456',
  properties: { content_type: 'action' },
}
const result: EventValidationResult = validateEvent(event)
const valid: boolean = validateEvents([
  { ...event, properties: { ...event.properties, delivery_id: 'd_1' } },
])[0]!.valid
// One JSON line for the check: the first event lacks delivery_id, the second is complete.
console.log(JSON.stringify({ valid: result.valid, field: result.errors[0]?.field, second: valid }))
// @ts-expect-error `valid` is a boolean: were the types `any`, this unused directive would fail tsc.
export const wrong: string = result.valid
