import { findPlanProblems } from './planProblems'
import type { EventSpec, PlanExtension, TrackingPlan } from './types'

/**
 * Returns a new plan with the app's own events and fields added to `base`; `base` is not
 * changed. Throws at once on a programmer error: an event name that is not lower_snake_case,
 * an event already in the plan, fields for an unknown event, a field defined twice, a field
 * that names sensitive data, or an unknown field type (every check of
 * {@link findPlanProblems}; the first error is thrown).
 *
 * Pair it with module augmentation of `EventProperties`, so `track()` knows the types too —
 * or keep the plan in a file and let `npx trackpoint-plan types` write both (docs/tracking-plan.md).
 *
 * @example
 * ```ts
 * const plan = extendPlan(trackingPlan, {
 *   events: {
 *     checkout_start: {
 *       description: 'The user opened the checkout.',
 *       fields: { cart_id: { type: 'string', required: true, description: 'The cart.' } },
 *     },
 *   },
 *   fields: { page_view: { experiment: { type: 'string', description: 'A/B variant.' } } },
 * })
 * ```
 */
export function extendPlan(base: TrackingPlan, extra: PlanExtension): TrackingPlan {
  const problem = findPlanProblems(base, extra).find((p) => p.severity === 'error')
  if (problem) {
    const message = `extendPlan: ${problem.message}`
    throw problem.typeError ? new TypeError(message) : new Error(message)
  }
  const events: Record<string, EventSpec> = { ...base.events, ...extra.events }
  for (const [name, fields] of Object.entries(extra.fields ?? {})) {
    const existing = events[name]!
    events[name] = { ...existing, fields: { ...existing.fields, ...fields } }
  }
  return { events }
}
