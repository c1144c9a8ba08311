import { trackingPlan, type FieldType, type TrackingPlan } from '@trackpoint/schema'
import { inBrowser, noop, trackLoose, type TrackTarget } from './types'

/** Options of {@link captureClicks}. */
export interface ClickCaptureOptions {
  /**
   * The tracking plan used to convert attribute strings to the fields' types; pass your
   * `extendPlan(...)` result so your own events' numbers and booleans are converted too.
   * @default trackingPlan of `@trackpoint/schema`
   */
  plan?: TrackingPlan
}

const PREFIX = 'data-track-'

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
  plan: TrackingPlan = trackingPlan,
): Record<string, unknown> {
  const fields = plan.events[eventName]?.fields
  const properties: Record<string, unknown> = {}
  for (const { name, value } of Array.from(element.attributes)) {
    if (!name.startsWith(PREFIX)) continue
    const field = name.slice(PREFIX.length).replace(/-/g, '_')
    properties[field] = coerce(fields?.[field]?.type, value)
  }
  return properties
}

/**
 * Declarative clicks: a click on (or inside) an element with `data-track="event_name"` tracks
 * that event with the element's `data-track-*` attributes as properties, e.g.
 * `<button data-track="card_click" data-track-card-id="c_1">` →
 * `track('card_click', { card_id: 'c_1' })`. Numbers and booleans are converted using the
 * tracking plan. One delegated `click` listener on the document (capture phase) serves the
 * whole page, including elements added later; the innermost `data-track` element wins.
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
  const onClick = (event: Event) => {
    const target = event.target
    const element = target instanceof Element ? target.closest('[data-track]') : null
    const name = element?.getAttribute('data-track')
    if (!element || !name) return
    trackLoose(tracker, name, declaredProperties(element, name, options.plan))
  }
  document.addEventListener('click', onClick, true)
  return () => document.removeEventListener('click', onClick, true)
}
