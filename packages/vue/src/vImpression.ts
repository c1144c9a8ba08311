import type { ObjectDirective } from 'vue'
import { observeImpression } from '@trackpoint/core'
import type { EventName, EventProperties, Tracker } from '@trackpoint/core'
import { elementDirective } from './elementDirective'

/**
 * The value of `v-impression`: the properties of an event of the tracking plan, e.g.
 * `{ delivery_id, content_type }` for the default `recommend_impression`, so a missing required
 * property is a compile error in a checked template (vue-tsc / Volar). Vue types a directive's
 * value without its argument, so `v-impression:element_exposure="{ element_id }"` is checked
 * against every event's properties rather than that event's alone.
 */
export type ImpressionValue = EventProperties[EventWithFields]

/**
 * Events that have properties: an event without fields (`user_identify`) is typed `{}`, which
 * TypeScript reads as "any object" — in the union above it would let every value compile.
 */
type EventWithFields = {
  [N in EventName]: keyof EventProperties[N] extends never ? never : N
}[EventName]

// The impression fires once per element and key: the event is part of the key, so two
// directives for different events on one element are independent.
const keyOf = (event: string, value: ImpressionValue) =>
  typeof value === 'object' && value
    ? `${event}:${String((value as { delivery_id?: unknown }).delivery_id ?? '')}`
    : undefined

/**
 * `v-impression="{ delivery_id, content_type }"`: tracks `recommend_impression` (or the event
 * named by the argument, `v-impression:element_exposure="{ element_id }"`) once the element has
 * been at least half visible for one second, once per event and `delivery_id` per page view.
 * The plugin registers it with the app's tracker.
 * @internal
 */
export function impressionDirective(tracker: Tracker): ObjectDirective<Element, ImpressionValue> {
  return elementDirective<ImpressionValue>((el, value, event = 'recommend_impression') => {
    const key = keyOf(event, value)
    if (!key) {
      throw new TypeError(
        'v-impression needs the event properties as an object, e.g. ' +
          `v-impression="{ delivery_id: 'd_1', content_type: 'action' }"`,
      )
    }
    const track = () => tracker.track(event as EventName, value as never)
    return {
      // Same content (same key): keep the running count and track the newest properties.
      update(next) {
        if (keyOf(event, next) !== key) return false
        value = next
        return true
      },
      // Vue's <KeepAlive> moves a deactivated component's nodes out of the document and back:
      // the watch must survive that. Vue calls unmounted, and so stop, when the node is gone.
      stop: observeImpression(el, track, { key, stopWhenRemoved: false }),
    }
  })
}
