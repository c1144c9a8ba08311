import {
  trackingPlan,
  validateEvent,
  ValidationErrorCode,
  type TrackingPlan,
  type ValidationError,
} from '@trackpoint/schema'

/** What the collector does with an event the installed plan does not cover (`TRACKPOINT_UNPLANNED`). */
export const UNPLANNED_POLICIES = ['flag', 'accept', 'reject'] as const

/**
 * `flag` (the default): store it and mark it unplanned with the reasons; `accept`: store it
 * unmarked; `reject`: refuse it with 400 and the reasons.
 */
export type UnplannedPolicy = (typeof UNPLANNED_POLICIES)[number]

/** The verdict of {@link judgeEvent} on one event. */
export interface EventJudgement {
  /** Why the event is refused whatever the policy (or, under `reject`, for being unplanned). */
  refused: ValidationError[]
  /** Where the event departs from the plan, when it is stored anyway (`flag` and `accept`). */
  unplanned: ValidationError[]
}

const hasOwn = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key)

/**
 * Whether a validation error makes an event impossible to count, so that no policy may store
 * it: a problem in a common field of §三 (ids, timestamp, platform, page, session), a malformed
 * or missing name, `properties` that is not an object, a key that names sensitive data, or a
 * problem in a built-in field of a built-in event — those are what the §九 numbers read
 * (`delivery_id` of `recommend_*`, `action_id`, `card_id`, `page_name`). An unknown event name,
 * or a problem in a field an app's plan added, only means the plan lags behind the app.
 *
 * @param error - One error of `validateEvent`.
 * @param eventName - The event's `event_name` as sent.
 */
export function isUncountable(error: ValidationError, eventName: unknown): boolean {
  if (error.code === ValidationErrorCode.UnknownEvent) return false
  if (error.code === ValidationErrorCode.ForbiddenKey) return true
  if (!error.field.startsWith('properties.')) return true
  const builtIn: TrackingPlan = trackingPlan
  if (typeof eventName !== 'string' || !hasOwn(builtIn.events, eventName)) return false
  return hasOwn(builtIn.events[eventName]!.fields, error.field.slice('properties.'.length))
}

/**
 * The problems that keep an event from being counted whatever plan is installed (see
 * {@link isUncountable}): what the consumer checks, so it never refuses an event a collector
 * stored as unplanned, on any plan version.
 */
export function uncountableProblems(event: unknown): ValidationError[] {
  const name = (event as { event_name?: unknown } | null)?.event_name
  return validateEvent(event, trackingPlan).errors.filter((error) => isUncountable(error, name))
}

/**
 * Judges one event against the installed plan under a policy. A valid event is planned. An
 * invalid one is refused when a problem makes it uncountable ({@link isUncountable}); otherwise
 * the plan merely does not cover it: `reject` refuses it, `flag` and `accept` store it (the
 * caller marks it under `flag`).
 *
 * @param event - The event as received.
 * @param plan - The installed plan (the built-in events plus the app's).
 * @param policy - `TRACKPOINT_UNPLANNED`.
 */
export function judgeEvent(
  event: unknown,
  plan: TrackingPlan,
  policy: UnplannedPolicy,
): EventJudgement {
  const { valid, errors } = validateEvent(event, plan)
  if (valid) return { refused: [], unplanned: [] }
  const name = (event as { event_name?: unknown } | null)?.event_name
  if (policy === 'reject' || errors.some((error) => isUncountable(error, name))) {
    return { refused: errors, unplanned: [] }
  }
  return { refused: [], unplanned: errors }
}

/**
 * The reasons stored with an unplanned event (column `unplanned`): `code:field`, e.g.
 * `unknown_event:event_name` or `invalid_value:properties.wallet_type` — short and of low
 * cardinality, so the tracking-health view can group by them.
 */
export function unplannedReasons(errors: readonly ValidationError[]): string[] {
  return errors.map((error) => `${error.code}:${error.field}`)
}
