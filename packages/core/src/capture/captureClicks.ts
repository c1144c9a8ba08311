import { builtInFieldTypes, type FieldType, type TrackingPlan } from '@trackpoint/schema'
import { inBrowser, noop, trackLoose, type TrackTarget } from './shared'

/** Options of {@link captureClicks}. */
export interface ClickCaptureOptions {
  /**
   * The tracking plan used to convert attribute strings to the fields' types and to tell a
   * known event name from a typo; pass your `extendPlan(...)` result so your own events'
   * numbers and booleans are converted too and their names are not reported as unknown.
   * @default the built-in plan of `@trackpoint/schema`
   */
  plan?: TrackingPlan
}

const PREFIX = 'data-track-'

/** Whether `name` is a key of `events` of its own (`constructor` is not an event). */
const has = (events: object, name: string) => Object.prototype.hasOwnProperty.call(events, name)

/** An attribute string as the plan's type: numbers and booleans converted, anything else kept. */
function coerce(type: FieldType | undefined, raw: string): unknown {
  if (type === 'number' || type === 'integer') {
    const value = Number(raw)
    // Kept as text when it is not a number, so debug mode and the collector report it.
    return raw.trim() !== '' && Number.isFinite(value) ? value : raw
  }
  if (type === 'boolean') return raw === '' || raw === 'true' ? true : raw === 'false' ? false : raw
  if (Array.isArray(type)) return type.find((allowed) => String(allowed) === raw) ?? raw
  return raw
}

/**
 * The properties declared on an element: every `data-track-*` attribute but `data-track`
 * itself, kebab-case names turned into the plan's snake_case (`data-track-card-id` →
 * `card_id`) and values converted to the field's type in `plan`.
 */
export function declaredProperties(
  element: Element,
  eventName: string,
  plan?: TrackingPlan,
): Record<string, unknown> {
  const fields = plan?.events[eventName]?.fields
  // The built-in types without the plan's descriptions, so auto-capture stays small; a plan
  // cannot redefine a built-in field, so they also serve a partial `plan`.
  const types = builtInFieldTypes[eventName]
  const properties: Record<string, unknown> = {}
  for (const { name, value } of element.attributes) {
    if (!name.startsWith(PREFIX)) continue
    const field = name.slice(PREFIX.length).replace(/-/g, '_')
    properties[field] = coerce(fields?.[field]?.type ?? types?.[field], value)
  }
  return properties
}

/**
 * Declarative clicks: a click on (or inside) an element with `data-track="event_name"` tracks
 * that event with the element's `data-track-*` attributes as properties, e.g.
 * `<button data-track="card_click" data-track-card-id="c_1">` →
 * `track('card_click', { card_id: 'c_1' })`. Numbers and booleans are converted using the
 * tracking plan. One delegated `click` listener on the document (capture phase) serves the
 * whole page, including elements added later and elements inside open shadow roots; the
 * innermost element with a non-empty `data-track` wins. A name that is neither in `plan` nor in
 * the standard plan (a typo such as `card_clik`, which the collector would reject) is still
 * sent, and reported once with `console.warn`.
 *
 * @returns A function that stops capturing.
 *
 * @example
 * ```ts
 * captureClicks(tracker)
 * // <a data-track="reward_claim" data-track-reward-type="points">Claim</a>
 * ```
 */
export function captureClicks(tracker: TrackTarget, options: ClickCaptureOptions = {}): () => void {
  if (!inBrowser()) return noop
  const { plan } = options
  const warned = new Set<string>()
  const onClick = (event: Event) => {
    // composedPath(), unlike target.closest(), goes from the clicked node inside an open shadow
    // root up through its host; the document-level listener only sees the host as `target`.
    for (const node of event.composedPath()) {
      const name = node instanceof Element ? node.getAttribute('data-track')?.trim() : ''
      // No name, or an empty one (`data-track=""`): not a tracked element, look further up.
      if (!name) continue
      // Any extended plan contains the standard plan, so a partial `plan` still knows those.
      if (!(plan && has(plan.events, name)) && !has(builtInFieldTypes, name) && !warned.has(name)) {
        warned.add(name)
        console.warn(
          `[trackpoint] data-track="${name}" is not an event of the tracking plan (a typo, or pass your plan)`,
        )
      }
      trackLoose(tracker, name, declaredProperties(node as Element, name, plan))
      return
    }
  }
  document.addEventListener('click', onClick, true)
  return () => document.removeEventListener('click', onClick, true)
}
