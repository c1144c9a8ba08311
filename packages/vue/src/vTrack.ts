import type { ObjectDirective } from 'vue'
import type { EventName, EventProperties, Tracker } from '@trackpoint/core'

/** The value of `v-track`: `[eventName, properties]`, typed by the tracking plan. */
export type TrackValue = { [N in EventName]: [N, EventProperties[N]] }[EventName]

interface Listener {
  value: TrackValue
  handler: () => void
}

/** Element → DOM event → listener: one element may carry `v-track:click` and `v-track:focus`. */
const listeners = new WeakMap<Element, Map<string, Listener>>()

const checked = (value: unknown): TrackValue => {
  if (!Array.isArray(value) || typeof value[0] !== 'string' || !value[0]) {
    throw new TypeError(
      'v-track needs [eventName, properties], e.g. ' +
        `v-track:click="['navbar_click', { target: 'rewards' }]"`,
    )
  }
  return value as TrackValue
}

/**
 * `v-track:click="['navbar_click', { target: 'onchain' }]"`: tracks the event each time the DOM
 * event named by the argument fires on the element (`click` without an argument). The plugin
 * registers it with the app's tracker; listeners are removed on unmount.
 * @internal
 */
export function trackDirective(tracker: Tracker): ObjectDirective<Element, TrackValue> {
  return {
    mounted(el, { value, arg = 'click' }) {
      const listener: Listener = {
        value: checked(value),
        handler: () => {
          const [name, properties] = listener.value
          tracker.track<EventName>(name, properties)
        },
      }
      el.addEventListener(arg, listener.handler)
      let byEvent = listeners.get(el)
      if (!byEvent) listeners.set(el, (byEvent = new Map()))
      byEvent.set(arg, listener)
    },
    updated(el, { value, arg = 'click' }) {
      const listener = listeners.get(el)?.get(arg)
      if (listener) listener.value = checked(value)
    },
    unmounted(el) {
      for (const [event, { handler }] of listeners.get(el) ?? []) {
        el.removeEventListener(event, handler)
      }
      listeners.delete(el)
    },
    getSSRProps: () => ({}),
  }
}
