import type { SendResult } from './transport'

/**
 * Readings closer than this to what is known are noise: `Date` has whole seconds, and the
 * answer took a trip. The collector accepts signatures ±5 minutes off, events ±1 hour.
 */
const TOLERANCE_MS = 10_000

/**
 * The server's clock as the SDK knows it. A device clock minutes or hours off is common
 * (a phone set by hand, a dead CMOS battery): requests are signed with the server's time, and
 * events carry the measured offset so the collector can correct their device timestamps.
 */
export function createServerClock() {
  let offset = 0
  return {
    /** Server clock minus device clock, in ms; 0 until the device is found off. */
    get offset(): number {
      return offset
    },

    /** The time on the server's clock, as best known. */
    now: (): number => Date.now() + offset,

    /** Takes one reading of the server's clock; returns whether the known offset changed. */
    learn(serverTime: number, at = Date.now()): boolean {
      const measured = serverTime - at
      if (!Number.isFinite(measured) || Math.abs(measured - offset) <= TOLERANCE_MS) return false
      offset = Math.abs(measured) <= TOLERANCE_MS ? 0 : Math.round(measured)
      return true
    },
  }
}

/** The server's time in an answer: `server_time` of a `stale_timestamp` 401, else `Date`. */
export function readServerTime(result: SendResult): number | undefined {
  const stated = (result.body as { server_time?: unknown } | undefined)?.server_time
  if (typeof stated === 'number') return stated
  // `Date` is truncated to the second: the middle of that second is the best guess.
  const date = result.date ? Date.parse(result.date) : NaN
  return Number.isNaN(date) ? undefined : date + 500
}

/** The server clock type returned by {@link createServerClock}. */
export type ServerClock = ReturnType<typeof createServerClock>
