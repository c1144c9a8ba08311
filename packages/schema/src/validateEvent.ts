import { checkField, describeValue, isPlainObject, ownValue } from './checkField'
import { PLATFORMS } from './commonFields'
import { EVENT_NAME_PATTERN } from './eventNamePattern'
import { findForbiddenKeys } from './findForbiddenKeys'
import { trackingPlan } from './trackingPlan'
import type { FieldSpec, TrackingPlan } from './types'
import {
  ValidationErrorCode,
  type EventValidationResult,
  type IndexedValidationResult,
  type ValidationError,
} from './validationError'

const requiredString = { type: 'string', required: true, description: '' } as const

/** The common fields (§三) other than `event_name` and `properties`, which are checked apart. */
const COMMON_FIELDS: Readonly<Record<string, FieldSpec>> = {
  event_id: requiredString,
  user_id: requiredString,
  // Optional: older clients do not send it. The device's anonymous id (issue 14).
  anonymous_id: { type: 'string', required: false, description: '' },
  timestamp: { type: 'integer', required: true, min: 1, description: '' },
  platform: { type: PLATFORMS, required: true, description: '' },
  page: requiredString,
  session_id: requiredString,
  // Optional: older clients do not send it. Server clock minus device clock, in ms.
  clock_offset: { type: 'integer', required: false, description: '' },
}

const UUID_PATTERN = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

/** 2001-09-09 in ms; a smaller timestamp is almost surely in seconds (§八: always ms). */
const MIN_MS_TIMESTAMP = 1e12

const error = (field: string, code: ValidationErrorCode, message: string): ValidationError => ({
  field,
  code,
  message,
})

/** Checks `event_name` and returns the errors and, if it names an event of the plan, its name. */
function checkName(value: unknown, plan: TrackingPlan): [ValidationError[], string?] {
  const problem = checkField(value, requiredString, 'event_name')
  if (problem) return [[problem]]
  const name = value as string
  if (!EVENT_NAME_PATTERN.test(name)) {
    const message = `event_name ${JSON.stringify(name)} must be lower_snake_case (§八): lower-case letters, digits and single underscores, starting with a letter, e.g. "page_view"`
    return [[error('event_name', ValidationErrorCode.BadName, message)]]
  }
  if (!Object.prototype.hasOwnProperty.call(plan.events, name)) {
    const message = `event_name "${name}" is not in the tracking plan; add it with extendPlan() (and to EventProperties for types), or fix the name`
    return [[error('event_name', ValidationErrorCode.UnknownEvent, message)]]
  }
  return [[], name]
}

/** Format checks the field specs cannot express, run after a common field passed its spec. */
function checkCommonFormat(field: string, value: unknown): ValidationError | undefined {
  if (field === 'event_id' && !UUID_PATTERN.test(value as string)) {
    return error(
      field,
      ValidationErrorCode.InvalidValue,
      `event_id must be a UUID such as crypto.randomUUID() returns; got ${describeValue(value)}`,
    )
  }
  if (field === 'timestamp' && (value as number) < MIN_MS_TIMESTAMP) {
    return error(
      field,
      ValidationErrorCode.InvalidValue,
      `timestamp ${String(value)} looks like seconds; send milliseconds since the epoch, e.g. Date.now() (§八)`,
    )
  }
  return undefined
}

/**
 * Validates one event against the tracking plan: the common fields (§三), the event name
 * (§八 lower_snake_case, known to the plan), the event's fields in `properties`, and keys that
 * name sensitive data at any depth (§八). Never throws.
 *
 * Keys in `properties` that the plan does not list are allowed (plugins enrich events); a
 * `null` field counts as absent; `properties` may be absent when the event has no required
 * fields (§五 makes it optional).
 *
 * @param event - The event as received, e.g. one element of a request's `events`.
 * @param plan - The plan to check against; pass the result of `extendPlan` for your own events.
 * @default plan trackingPlan
 * @example
 * ```ts
 * const { valid, errors } = validateEvent(event)
 * if (!valid) console.warn(errors.map((e) => e.message).join('\n'))
 * ```
 */
export function validateEvent(
  event: unknown,
  plan: TrackingPlan = trackingPlan,
): EventValidationResult {
  if (!isPlainObject(event)) {
    const message = `an event must be an object with event_id, event_name, user_id, timestamp, platform, page, session_id and properties; got ${describeValue(event)}`
    return { valid: false, errors: [error('', ValidationErrorCode.WrongType, message)] }
  }
  const errors: ValidationError[] = []
  const [nameErrors, eventName] = checkName(ownValue(event, 'event_name'), plan)
  errors.push(...nameErrors)
  for (const [field, spec] of Object.entries(COMMON_FIELDS)) {
    const value = ownValue(event, field)
    const problem = checkField(value, spec, field) ?? checkCommonFormat(field, value)
    if (problem) errors.push(problem)
  }
  let properties = ownValue(event, 'properties') ?? {}
  if (!isPlainObject(properties)) {
    const message = `properties must be an object of the event's fields; got ${describeValue(properties)}`
    errors.push(error('properties', ValidationErrorCode.WrongType, message))
    properties = {}
  }
  const spec = eventName === undefined ? undefined : plan.events[eventName]
  for (const [field, fieldSpec] of Object.entries(spec?.fields ?? {})) {
    const value = ownValue(properties as object, field)
    const problem = checkField(value, fieldSpec, `properties.${field}`, ` for ${eventName}`)
    if (problem) errors.push(problem)
  }
  for (const field of findForbiddenKeys(event)) {
    const message = `${field} names sensitive data (password, private key, mnemonic, seed phrase, secret, card or identity number), which must not be tracked (§八); remove it`
    errors.push(error(field, ValidationErrorCode.ForbiddenKey, message))
  }
  return { valid: errors.length === 0, errors }
}

/**
 * Validates a batch of events, one result per event in order, shaped like §五's debug
 * `validation_results`. An invalid event does not affect the others.
 *
 * @param events - The batch, e.g. a request's `events`.
 * @param plan - The plan to check against.
 * @default plan trackingPlan
 * @throws TypeError when `events` is not an array (a programmer error).
 */
export function validateEvents(
  events: readonly unknown[],
  plan: TrackingPlan = trackingPlan,
): IndexedValidationResult[] {
  if (!Array.isArray(events)) {
    throw new TypeError(`validateEvents expects an array of events; got ${describeValue(events)}`)
  }
  return events.map((event, event_index) => ({ event_index, ...validateEvent(event, plan) }))
}
