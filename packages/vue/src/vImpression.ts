import type { ObjectDirective } from 'vue'
import { observeImpression } from '@trackpoint/core'
import type { EventName, EventProperties, Tracker } from '@trackpoint/core'

/** The value of `v-impression`: the event's properties, e.g. `{ delivery_id, content_type }`. */
export type ImpressionValue = EventProperties['recommend_impression'] | Record<string, unknown>

interface Watch {
  key: string
  value: ImpressionValue
  stop: () => void
}

const watches = new WeakMap<Element, Watch>()
const keyOf = (value: ImpressionValue) =>
  String((value as { delivery_id?: unknown }).delivery_id ?? '')

/**
 * `v-impression="{ delivery_id, content_type }"`: tracks `recommend_impression` (or the event
 * named by the argument, `v-impression:element_exposure="{ element_id }"`) once the element has
 * been at least half visible for one second, once per `delivery_id` per page view. The plugin
 * registers it with the app's tracker.
 * @internal
 */
export function impressionDirective(tracker: Tracker): ObjectDirective<Element, ImpressionValue> {
  const observe = (el: Element, value: ImpressionValue, event: string | undefined) => {
    if (typeof value !== 'object' || value === null) {
      throw new TypeError(
        'v-impression needs the event properties as an object, e.g. ' +
          `v-impression="{ delivery_id: 'd_1', content_type: 'action' }"`,
      )
    }
    const name = (event ?? 'recommend_impression') as EventName
    const watch: Watch = { key: keyOf(value), value, stop: () => undefined }
    const track = () => tracker.track(name, watch.value as EventProperties[typeof name])
    watch.stop = observeImpression(el, track, { key: watch.key })
    watches.set(el, watch)
  }
  return {
    mounted: (el, { value, arg }) => observe(el, value, arg),
    updated(el, { value, arg }) {
      const watch = watches.get(el)
      // Same content (same key): keep the running count and track the newest properties.
      if (watch && typeof value === 'object' && value && keyOf(value) === watch.key) {
        watch.value = value
        return
      }
      watch?.stop()
      observe(el, value, arg)
    },
    unmounted(el) {
      watches.get(el)?.stop()
      watches.delete(el)
    },
    // Nothing to render on the server; without this hook SSR of a custom directive fails.
    getSSRProps: () => ({}),
  }
}
