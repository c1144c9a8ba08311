import type { Logger } from '../http/logger'
import type { EventStore } from '../types'
import { actionList } from './actionList'
import { deliveryList } from './deliveryList'
import { overview } from './overview'
import { NO_FILTERS } from './statsFilters'
import { startOfZonedDay } from './trackingHealth'
import { warmUserPaths } from './userPaths'

/**
 * Warming: the answers the dashboard asks for when it opens are computed at start and just
 * after each midnight of the configured zone, when "the last 7 days" and "the last 30 days"
 * become new ranges. The first overview of a range builds its snapshot of the closed days
 * (~1.2 s over 10M events, docs/server-benchmarks.md) or, in another zone, reads the range's
 * page views; done here, the first person to open the dashboard gets the stored answer.
 */

/** The ranges the dashboard opens with: the last 7 and 30 days, today included. */
export const WARM_RANGES_DAYS = [7, 30] as const

/** After midnight, wait this long so that the new day has begun in every clock that matters. */
const AFTER_MIDNIGHT_MS = 5_000
const DAY_MS = 86_400_000

/** `YYYY-MM-DD` of `ms` in `tz`. */
export const zonedDay = (ms: number, tz: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date(ms))

/** The day `n` days before the `YYYY-MM-DD` `day`. */
const daysBefore = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) - n * DAY_MS).toISOString().slice(0, 10)

/** The next midnight of `tz` after `now`, ms. */
export function nextZonedMidnight(now: number, tz: string): number {
  // A day is 23 to 25 h: from today's start, 25 h on is tomorrow; its start is the midnight.
  return startOfZonedDay(startOfZonedDay(now, tz) + 25 * 3_600_000, tz)
}

/**
 * Computes the dashboard's opening answers once: the overview of each range of
 * {@link WARM_RANGES_DAYS} in `tz`, the deliveries and actions of the last 7 days, and the kept
 * builds of paths of each range.
 */
export async function warmDashboard(
  store: EventStore,
  tz: string,
  now = Date.now(),
): Promise<void> {
  const today = zonedDay(now, tz)
  for (const days of WARM_RANGES_DAYS) {
    await overview(store, { from: daysBefore(today, days - 1), to: today, tz, now })
  }
  const week = { from: daysBefore(today, 6), to: today, tz }
  await deliveryList(store, week, NO_FILTERS)
  await actionList(store, week, NO_FILTERS, 100)
  // Paths last: their builds take the longest (~4 s over 30 days of 10M events).
  for (const days of WARM_RANGES_DAYS) {
    await warmUserPaths(store, { from: daysBefore(today, days - 1), to: today, tz }, NO_FILTERS, {
      now,
    })
  }
}

/** A running warm-up schedule. */
export interface WarmUp {
  /** The current (or last) warm-up; never rejects (a failure is logged). */
  done(): Promise<void>
  stop(): void
}

/**
 * Runs `warm` now and just after each midnight of `tz` (timers are unref'd, so they never keep
 * the process alive). A failed warm-up is logged and the schedule goes on.
 */
export function scheduleWarmUp(
  warm: () => Promise<void>,
  tz: string,
  logger: Logger,
  now: () => number = Date.now,
): WarmUp {
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let current: Promise<void> = Promise.resolve()
  const run = () => {
    current = warm().catch((error: unknown) =>
      logger.error({
        msg: 'stats warm-up failed',
        error: error instanceof Error ? error.message : String(error),
      }),
    )
    return current
  }
  const next = () => {
    if (stopped) return
    const delay = nextZonedMidnight(now(), tz) + AFTER_MIDNIGHT_MS - now()
    timer = setTimeout(() => void run().then(next), Math.max(delay, 1000))
    timer.unref()
  }
  void run().then(next)
  return {
    done: () => current,
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}
