import { dayOf, firstRetainedDay } from './stats/overviewSnapshot'

/**
 * The accepted window of event times, shared by the collector (which refuses events outside it,
 * per event) and the consumer (which dead-letters those that reach the bus anyway: an older
 * collector, another producer). Pure: the clock is passed in.
 *
 * Why a window at all: `events` is partitioned by month and kept three months (TTL on
 * `event_date`, a `Date` that ends in 2149). An event far in the future made an insert fail
 * ("Too many partitions for single INSERT block") or was stored under a wrapped date; an event
 * older than the retention was acknowledged and then deleted by the TTL. Neither is counted,
 * so neither may be answered 2xx.
 */

/** Reason codes of an event refused for its time (beside the tracking plan's codes). */
export const TimeWindowCode = {
  /** The event's time is more than `maxFutureMs` ahead of the server clock. */
  InFuture: 'timestamp_in_future',
  /** The event's time is before the oldest day the store keeps (or `maxPastDays`). */
  TooOld: 'timestamp_too_old',
} as const

/** One of {@link TimeWindowCode}'s values. */
export type TimeWindowCode = (typeof TimeWindowCode)[keyof typeof TimeWindowCode]

/** How far from the server clock an event's time may be. */
export interface TimeWindowLimits {
  /** Most ms an event's time may be ahead of the server clock (`TRACKPOINT_MAX_FUTURE_MS`). */
  maxFutureMs: number
  /**
   * Most days an event's time may be behind the server clock (`TRACKPOINT_MAX_PAST_DAYS`). The
   * store's retention (3 months, the TTL) is a floor this cannot lower: older days are deleted.
   */
  maxPastDays: number
  /** `TRACKPOINT_RETENTION_DAYS`, when set: the store keeps that many days. */
  retentionDays?: number
}

/** The accepted times, inclusive, in ms since the epoch. */
export interface TimeWindow {
  oldest: number
  newest: number
}

const DAY_MS = 86_400_000

/**
 * The window at `now`: from the later of (`now` − `maxPastDays`) and the first day the TTL still
 * keeps today (its 00:00 UTC), to `now` + `maxFutureMs`.
 *
 * @param now - The server clock, ms.
 * @param limits - The configured bounds.
 */
export function acceptedWindow(now: number, limits: TimeWindowLimits): TimeWindow {
  const retained = Date.parse(`${firstRetainedDay(dayOf(now), limits.retentionDays)}T00:00:00Z`)
  return {
    oldest: Math.max(retained, now - limits.maxPastDays * DAY_MS),
    newest: now + limits.maxFutureMs,
  }
}

/**
 * The event's time as the server takes it: the device's `timestamp` corrected by the SDK's
 * measured `clock_offset` (server clock minus device clock, ms; absent means 0). A phone whose
 * clock is 2 h off still lands on the right day and inside the window.
 */
export function eventTime(event: { timestamp: number; clock_offset?: number }): number {
  return event.timestamp + (event.clock_offset ?? 0)
}

/** A time-window problem, shaped like a tracking-plan validation error. */
export interface TimeProblem {
  field: 'timestamp'
  code: TimeWindowCode
  message: string
}

/**
 * Why `time` is outside `window`, or `undefined` when it is inside.
 *
 * @param time - The event's corrected time ({@link eventTime}).
 * @param window - From {@link acceptedWindow}.
 */
export function checkEventTime(time: number, window: TimeWindow): TimeProblem | undefined {
  const iso = (ms: number) =>
    Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms)
  if (!(time <= window.newest)) {
    return {
      field: 'timestamp',
      code: TimeWindowCode.InFuture,
      message: `the event's time ${iso(time)} (timestamp + clock_offset) is after ${iso(window.newest)}, the latest the server accepts; check the device clock`,
    }
  }
  if (time < window.oldest) {
    return {
      field: 'timestamp',
      code: TimeWindowCode.TooOld,
      message: `the event's time ${iso(time)} (timestamp + clock_offset) is before ${iso(window.oldest)}, the oldest the server keeps; it would not be counted`,
    }
  }
  return undefined
}
