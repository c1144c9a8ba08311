import { isValidEventName } from './eventNamePattern'
import { isForbiddenKey } from './forbiddenKeys'
import type { FieldSpec, PlanExtension, TrackingPlan } from './types'

/** Something wrong with a plan or an extension of it, found by {@link findPlanProblems}. */
export interface PlanProblem {
  /** `error`: the plan cannot be used; `warning`: a convention of §八 is not followed. */
  readonly severity: 'error' | 'warning'
  /** Where: `events.wallet_connect.fields.wallet_type`. */
  readonly path: string
  /** What is wrong and how to fix it, in a sentence. */
  readonly message: string
  /** True when the wrong thing is a value's type (extendPlan throws a TypeError for those). */
  readonly typeError?: boolean
}

export const hasOwn = (object: object, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(object, key)

const JSON_TYPES: readonly unknown[] = ['string', 'number', 'integer', 'boolean']

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The errors of one event's `fields` object: its shape, forbidden names and field types. */
function fieldProblems(eventName: string, fields: unknown, at: string): PlanProblem[] {
  if (!isRecord(fields)) {
    return [
      {
        severity: 'error',
        path: at,
        message: `event "${eventName}" needs a fields object (use {} for none)`,
        typeError: true,
      },
    ]
  }
  const problems: PlanProblem[] = []
  for (const [name, spec] of Object.entries(fields as Record<string, Partial<FieldSpec>>)) {
    const where = `field "${name}" of event "${eventName}"`
    const path = `${at}.${name}`
    if (isForbiddenKey(name)) {
      problems.push({
        severity: 'error',
        path,
        message: `${where} names sensitive data, which must not be tracked (§八); rename or drop it`,
      })
    }
    const type: unknown = isRecord(spec) ? spec.type : undefined
    const isEnum =
      Array.isArray(type) &&
      type.length > 0 &&
      type.every((v) => typeof v === 'string' || typeof v === 'number')
    if (!isEnum && !JSON_TYPES.includes(type)) {
      problems.push({
        severity: 'error',
        path: `${path}.type`,
        message: `${where} has type ${JSON.stringify(type)}; use 'string', 'number', 'integer', 'boolean' or a non-empty list of allowed values`,
        typeError: true,
      })
    }
  }
  return problems
}

/**
 * Every error that keeps `extension` from being added to `base`: an event name that is not
 * lower_snake_case (§八), an event already in the plan, fields for an unknown event, a field
 * defined twice, a field that names sensitive data, a missing fields object or an unknown
 * field type. {@link extendPlan} throws the first; the `trackpoint-plan` CLI lists them all.
 *
 * @param base - The plan being extended.
 * @param extension - The app's events and fields.
 */
export function findPlanProblems(base: TrackingPlan, extension: PlanExtension): PlanProblem[] {
  const problems: PlanProblem[] = []
  const added: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(extension.events ?? {})) {
    const path = `events.${name}`
    if (!isValidEventName(name)) {
      problems.push({
        severity: 'error',
        path,
        message: `event name "${name}" must be lower_snake_case (§八), e.g. "checkout_start"`,
      })
    } else if (hasOwn(base.events, name)) {
      problems.push({
        severity: 'error',
        path,
        message: `event "${name}" is already in the plan; add fields to it with { fields: { ${name}: {…} } }`,
      })
    }
    added[name] = spec
    problems.push(
      ...fieldProblems(name, isRecord(spec) ? spec.fields : undefined, `${path}.fields`),
    )
  }
  for (const [name, fields] of Object.entries(extension.fields ?? {})) {
    const path = `fields.${name}`
    // Fields may go to a built-in event or to one this extension adds.
    const existing = hasOwn(base.events, name)
      ? base.events[name]
      : hasOwn(added, name)
        ? added[name]
        : undefined
    if (existing === undefined) {
      problems.push({
        severity: 'error',
        path,
        message: `cannot add fields to "${name}", which is not in the plan; add it under events`,
      })
      continue
    }
    problems.push(...fieldProblems(name, fields, path))
    const existingFields = isRecord(existing) && isRecord(existing.fields) ? existing.fields : {}
    for (const field of isRecord(fields) ? Object.keys(fields) : []) {
      if (hasOwn(existingFields, field)) {
        problems.push({
          severity: 'error',
          path: `${path}.${field}`,
          message: `field "${field}" of event "${name}" is already defined; pick another name`,
        })
      }
    }
  }
  return problems
}
