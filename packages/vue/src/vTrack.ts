import type { ObjectDirective } from 'vue'
import type { EventName, EventProperties, Tracker } from '@trackpoint/core'
import { elementDirective } from './elementDirective'

/** The value of `v-track`: `[eventName, properties]`, typed by the tracking plan. */
export type TrackValue = { [N in EventName]: [N, EventProperties[N]] }[EventName]

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
 * registers it with the app's tracker; listeners are removed on unmount, and moved to the new
 * DOM event when a dynamic argument (`v-track:[event]`) changes.
 * @internal
 */
export function trackDirective(tracker: Tracker): ObjectDirective<Element, TrackValue> {
  return elementDirective<TrackValue>((el, value, event = 'click') => {
    checked(value)
    const handler = () => tracker.track<EventName>(value[0], value[1])
    el.addEventListener(event, handler)
    return {
      update(next) {
        value = checked(next)
        return true
      },
      stop: () => el.removeEventListener(event, handler),
    }
  })
}
