import {
  ValidationErrorCode,
  type CommonFields,
  type IndexedValidationResult,
  type ValidationError,
} from '@trackpoint/schema'
import { checkEventTime, eventTime, type TimeProblem, type TimeWindow } from '../eventTimeWindow'
import type { InstalledPlan } from '../plan/installedPlan'
import { judgeEvent, unplannedReasons, type UnplannedPolicy } from '../plan/planPolicy'
import type { AcceptedEvent } from '../types'
import type { Envelope } from './envelope'

/**
 * Why an event was refused: a tracking-plan error, a time outside the accepted window
 * (`timestamp_in_future`, `timestamp_too_old`) or a row the store refused (`store_refused`).
 */
export type EventProblem =
  ValidationError | TimeProblem | { field: string; code: 'store_refused'; message: string }

/** An event refused, as listed in the answer's `rejected`. */
export interface RejectedEvent {
  event_index: number
  errors: EventProblem[]
}

/** One event's result in the debug API's `validation_results`. */
export type EventResult = Omit<IndexedValidationResult, 'errors'> & {
  errors: EventProblem[]
  /**
   * Where a stored event departs from the installed plan (`flag` and `accept` policies): it is
   * `valid` (stored and counted) but the plan does not cover it.
   */
  unplanned?: ValidationError[]
}

/** An event stored although the plan does not cover it, as listed in the answer's `unplanned`. */
export interface UnplannedEvent {
  event_index: number
  errors: ValidationError[]
}

/** The events of one request, sorted into accepted (stamped) and rejected. */
export interface SortedEvents {
  /** One result per event, in order (the debug API's `validation_results`). */
  results: EventResult[]
  /** Valid events, stamped, ready for the bus. */
  accepted: AcceptedEvent[]
  /** Invalid events with their reasons. */
  rejected: RejectedEvent[]
  /** Accepted events the plan does not cover, with the reasons (`flag` and `accept`). */
  unplanned: UnplannedEvent[]
  /** The request's index of each accepted event (`accepted[i]` was event `acceptedIndexes[i]`). */
  acceptedIndexes: number[]
}

/** Where the request came from, stamped on each event by the server. */
export interface Stamp {
  app_id: string
  client_ip: string
  received_at: number
}

/**
 * Levels of objects and arrays an event may have (the event is 1, `properties` 2). Deeper
 * events are refused before validation: the validator and every JSON.stringify downstream
 * recurse, and an event that overflowed the stack on the bus would fail its batch for ever.
 */
const MAX_EVENT_DEPTH = 16

const TOO_DEEP = {
  valid: false,
  errors: [
    {
      field: 'properties',
      code: ValidationErrorCode.InvalidValue,
      message: `the event nests objects or arrays more than ${MAX_EVENT_DEPTH} levels deep; flatten its properties`,
    },
  ],
}

/** Whether `value` nests objects/arrays more than `max` levels; iterative, so it cannot overflow. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length) {
    const [node, depth] = stack.pop()!
    if (typeof node !== 'object' || node === null) continue
    if (depth > max) return true
    for (const child of Object.values(node)) stack.push([child, depth + 1])
  }
  return false
}

/** What the collector needs to judge events: the plan in force and the policy. */
export interface PlanInForce {
  plan: InstalledPlan
  policy: UnplannedPolicy
}

/** Judges one event under the plan, then (when kept) checks its corrected time. */
function check(
  event: unknown,
  window: TimeWindow,
  { plan, policy }: PlanInForce,
): Omit<EventResult, 'event_index'> {
  if (nestedDeeperThan(event, MAX_EVENT_DEPTH)) return TOO_DEEP
  const { refused, unplanned } = judgeEvent(event, plan.plan, policy)
  if (refused.length) return { valid: false, errors: refused }
  const problem = checkEventTime(eventTime(event as CommonFields), window)
  if (problem) return { valid: false, errors: [problem] }
  return { valid: true, errors: [], ...(unplanned.length > 0 && { unplanned }) }
}

/**
 * Judges each event against the plan in force under the unplanned policy (`judgeEvent`: the
 * plan's `validateEvent` plus which problems no policy may store), with a nesting bound,
 * checks its time (`timestamp + clock_offset`) against the accepted `window`, and stamps the
 * kept ones with that corrected time, the plan's version and — under `flag` — why the plan
 * does not cover them. Only the fields of §三 are copied: a client cannot set `received_at`,
 * `client_ip`, `app_id` or `plan_version` of its own, nor smuggle other top-level fields onto
 * the bus.
 */
export function acceptEvents(
  envelope: Envelope,
  stamp: Stamp,
  window: TimeWindow,
  inForce: PlanInForce,
): SortedEvents {
  const results = envelope.events.map((event, event_index): EventResult => ({
    event_index,
    ...check(event, window, inForce),
  }))
  const accepted: AcceptedEvent[] = []
  const acceptedIndexes: number[] = []
  const rejected: RejectedEvent[] = []
  const unplanned: UnplannedEvent[] = []
  for (const result of results) {
    if (!result.valid) {
      rejected.push({ event_index: result.event_index, errors: result.errors })
      continue
    }
    const event = envelope.events[result.event_index] as CommonFields
    acceptedIndexes.push(result.event_index)
    if (result.unplanned) {
      unplanned.push({ event_index: result.event_index, errors: result.unplanned })
    }
    const marks = inForce.policy === 'flag' ? unplannedReasons(result.unplanned ?? []) : []
    accepted.push({
      event_id: event.event_id,
      event_name: event.event_name,
      user_id: event.user_id,
      // The device's anonymous id (issue 14): differing from user_id, it links the two.
      ...(typeof event.anonymous_id === 'string' &&
        event.anonymous_id !== '' && { anonymous_id: event.anonymous_id }),
      timestamp: eventTime(event),
      // Kept so the device's own reading stays known: timestamp − clock_offset.
      ...(event.clock_offset !== undefined && { clock_offset: event.clock_offset }),
      platform: event.platform,
      page: event.page,
      session_id: event.session_id,
      properties: event.properties ?? {},
      app_id: stamp.app_id,
      client_ip: stamp.client_ip,
      received_at: stamp.received_at,
      sdk_version: envelope.sdk_version,
      app_version: envelope.app_version,
      plan_version: inForce.plan.version,
      ...(marks.length > 0 && { unplanned: marks }),
    })
  }
  return { results, accepted, rejected, unplanned, acceptedIndexes }
}
