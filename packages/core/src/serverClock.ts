import type { SendResult } from './transport'

/**
 * Readings closer than this to what is known are noise: `Date` has whole seconds, and the
 * answer took a trip. The collector accepts signatures ±5 minutes off, events ±1 hour.
 */
const TOLERANCE_MS = 10_000

/**
 * The server clock's offset (server clock minus device clock, ms) after one reading of it,
 * taken at device time `at`: `known` when the reading agrees with it within the tolerance or
 * is no number. A device clock minutes or hours off is common (a phone set by hand, a dead
 * CMOS battery): requests are signed with the server's time, and events carry the offset so
 * the collector can correct their device timestamps.
 */
export function learnOffset(known: number, serverTime: number, at: number): number {
  const measured = serverTime - at
  if (!Number.isFinite(measured) || Math.abs(measured - known) <= TOLERANCE_MS) return known
  return Math.abs(measured) <= TOLERANCE_MS ? 0 : Math.round(measured)
}

/**
 * The server's time in an answer: `server_time` of a `stale_timestamp` 401, else `Date`; NaN
 * when it has neither.
 */
export function readServerTime(result: SendResult): number {
  const stated = (result.body as { server_time?: unknown } | undefined)?.server_time
  // `Date` is truncated to the second: the middle of that second is the best guess.
  return typeof stated === 'number' ? stated : Date.parse(result.date ?? '') + 500
}
