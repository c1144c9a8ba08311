import { isValidEventName } from './eventNamePattern'
import { isForbiddenKey } from './forbiddenKeys'
import type { EventSpec, FieldSpec, PlanExtension, TrackingPlan } from './types'

const has = (object: object, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(object, key)

const JSON_TYPES: readonly unknown[] = ['string', 'number', 'integer', 'boolean']

function assertFields(
  eventName: string,
  fields: unknown,
): asserts fields is Record<string, FieldSpec> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new TypeError(`extendPlan: event "${eventName}" needs a fields object (use {} for none)`)
  }
  for (const [name, spec] of Object.entries(fields as Record<string, Partial<FieldSpec>>)) {
    const where = `extendPlan: field "${name}" of event "${eventName}"`
    if (isForbiddenKey(name)) {
      throw new Error(
        `${where} names sensitive data, which must not be tracked (§八); rename or drop it`,
      )
    }
    const type: unknown = spec?.type
    const isEnum =
      Array.isArray(type) &&
      type.length > 0 &&
      type.every((v) => typeof v === 'string' || typeof v === 'number')
    if (!isEnum && !JSON_TYPES.includes(type)) {
      throw new TypeError(
        `${where} has type ${JSON.stringify(type)}; use 'string', 'number', 'integer', 'boolean' or a non-empty list of allowed values`,
      )
    }
  }
}

/**
 * Returns a new plan with the app's own events and fields added to `base`; `base` is not
 * changed. Throws at once on a programmer error: an event name that is not lower_snake_case,
 * an event already in the plan, fields for an unknown event, a field defined twice, a field
 * that names sensitive data, or an unknown field type.
 *
 * Pair it with module augmentation of `EventProperties`, so `track()` knows the types too.
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
  const events: Record<string, EventSpec> = { ...base.events }
  for (const [name, spec] of Object.entries(extra.events ?? {})) {
    if (!isValidEventName(name)) {
      throw new Error(
        `extendPlan: event name "${name}" must be lower_snake_case (§八), e.g. "checkout_start"`,
      )
    }
    if (has(events, name)) {
      throw new Error(
        `extendPlan: event "${name}" is already in the plan; add fields to it with { fields: { ${name}: {…} } }`,
      )
    }
    assertFields(name, spec.fields)
    events[name] = spec
  }
  for (const [name, fields] of Object.entries(extra.fields ?? {})) {
    const existing = has(events, name) ? events[name] : undefined
    if (existing === undefined) {
      throw new Error(
        `extendPlan: cannot add fields to "${name}", which is not in the plan; add it under events`,
      )
    }
    assertFields(name, fields)
    for (const field of Object.keys(fields)) {
      if (has(existing.fields, field)) {
        throw new Error(
          `extendPlan: field "${field}" of event "${name}" is already defined; pick another name`,
        )
      }
    }
    events[name] = { ...existing, fields: { ...existing.fields, ...fields } }
  }
  return { events }
}
