import type { TrackingPlan } from '@trackpoint/schema'
import type { EventStore } from '../types'
import type { RefusalSource, RejectionBucket } from './rejectionLog'
import { FILTER_SQL, type StatsFilters } from './statsFilters'

/** The consumer's lag as this process knows it. */
export interface ConsumerLag {
  /** `embedded`: no bus (always 0); `kafka`: this process's consumer; `unavailable`: none here. */
  source: 'embedded' | 'kafka' | 'unavailable'
  /** Messages behind over every partition; null when unavailable. */
  total: number | null
  /** Messages behind per `topic:partition`. */
  partitions: Record<string, number>
}

/** `GET /api/stats/health` (docs/stats-api.md). */
export interface TrackingHealth {
  generated_at: number
  bucket_seconds: number
  /** The last hour per minute: accepted (stored) events and refusals by reason. */
  throughput: { start: number; accepted: number; rejected: Record<string, number> }[]
  rejected_source: RefusalSource['source'] | 'unavailable'
  consumer_lag: ConsumerLag
  events_today: { event_name: string; today: number; last_week: number; drop: boolean }[]
  unseen_plan_events: string[]
  unknown_events: { event_name: string; events: number; last_seen: number }[]
  sdk_versions: { sdk_version: string; platform: string; events: number; users: number }[]
}

/** Options of {@link trackingHealth}. */
export interface TrackingHealthOptions {
  filters: StatsFilters
  /** The zone whose "today" events_today compares. */
  tz: string
  /** The plan in force; without it, unseen_plan_events is empty. */
  plan?: TrackingPlan
  /** Where refusals are read; without it they are `unavailable`. */
  rejections?: RefusalSource
  consumerLag?: () => Promise<ConsumerLag>
  /** The clock, ms. @default Date.now() */
  now?: number
}

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
const WEEK_MS = 7 * DAY_MS

/** Events stored per minute of arrival over the last hour, each event_id once. */
const ACCEPTED_SQL = `
SELECT toUnixTimestamp(toStartOfMinute(received_at)) * 1000 AS start, uniqExact(event_id) AS accepted
FROM events
WHERE received_at >= fromUnixTimestamp64Milli({since:Int64}) AND ${FILTER_SQL}
GROUP BY start`

/**
 * Per event name: events of today so far (from `{today_start}` to `{now}`) and of the same span
 * a week earlier. `event_date` bounds the read to the two days (± a day for the zone). Stored
 * rows, like the SDK versions' counts: a replayed batch counts twice until ClickHouse merges
 * the copies away. Counting each event_id once (uniqExact) cost 160–250 ms of the view's
 * ~250 ms over 10M events (docs/server-benchmarks.md), for a monitor whose question is whether
 * a name fell by half.
 */
const TODAY_SQL = `
SELECT toString(event_name) AS event_name,
  countIf(timestamp >= fromUnixTimestamp64Milli({today_start:Int64})) AS today,
  countIf(timestamp < fromUnixTimestamp64Milli({week_end:Int64})) AS last_week
FROM events
WHERE ((timestamp >= fromUnixTimestamp64Milli({today_start:Int64})
        AND timestamp < fromUnixTimestamp64Milli({now:Int64}))
    OR (timestamp >= fromUnixTimestamp64Milli({week_start:Int64})
        AND timestamp < fromUnixTimestamp64Milli({week_end:Int64})))
  AND (event_date BETWEEN toDate(fromUnixTimestamp64Milli({today_start:Int64})) - 1
                      AND toDate(fromUnixTimestamp64Milli({now:Int64})) + 1
    OR event_date BETWEEN toDate(fromUnixTimestamp64Milli({week_start:Int64})) - 1
                      AND toDate(fromUnixTimestamp64Milli({week_end:Int64})) + 1)
  AND ${FILTER_SQL}
GROUP BY event_name
ORDER BY event_name`

/**
 * Event names seen in the 7 days before today (UTC days, today included): read from the key's
 * columns only (event_name, event_date), which are the cheapest to scan.
 */
const SEEN_SQL = `
SELECT DISTINCT toString(event_name) AS event_name FROM events
WHERE event_date >= toDate(fromUnixTimestamp64Milli({week_ago:Int64})) AND ${FILTER_SQL}`

/** Names stored flagged `unknown_event` in the last 24 h. */
const UNKNOWN_SQL = `
SELECT toString(event_name) AS event_name, uniqExact(event_id) AS events,
  toUnixTimestamp64Milli(max(received_at)) AS last_seen
FROM events
WHERE received_at >= fromUnixTimestamp64Milli({day_ago:Int64})
  AND has(unplanned, 'unknown_event:event_name') AND ${FILTER_SQL}
GROUP BY event_name
ORDER BY events DESC, event_name`

/**
 * Events and users per SDK version and platform over the last 24 h of arrivals. Rows (a replayed
 * duplicate counts twice until merged) and uniq's estimate of users (exact below ~65k users,
 * within about 1 % above): exact counts over a day of 10M-event traffic took seconds, and the
 * view asks which versions are out there and roughly how widely, not a number to bill on.
 */
const SDK_SQL = `
SELECT toString(sdk_version) AS sdk_version, toString(platform) AS platform,
  count() AS events, uniq(user_id) AS users
FROM events
WHERE received_at >= fromUnixTimestamp64Milli({day_ago:Int64}) AND ${FILTER_SQL}
GROUP BY sdk_version, platform
ORDER BY events DESC, sdk_version, platform`

/** One formatter per zone (there are a few hundred zones; building one costs tens of µs). */
const wallClockFormats = new Map<string, Intl.DateTimeFormat>()

/** The wall clock of `ms` in `tz` read as if it were UTC, ms: its zoned date and time. */
function zonedWallClock(ms: number, tz: string): number {
  let format = wallClockFormats.get(tz)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    wallClockFormats.set(tz, format)
  }
  const parts = format.formatToParts(new Date(ms))
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0)
  return Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  )
}

/**
 * The start of `ms`'s day in `tz`, ms: the first instant whose zoned date is that of `ms` —
 * 00:00 local time, or, where a clock change skips midnight (Santiago in September), the
 * instant the day begins. Not "`ms` minus the hours since midnight": on a day the clocks change,
 * the wall clock has moved an hour more or less than time has (New York's 8 March: at noon, 11
 * hours since midnight).
 */
export function startOfZonedDay(ms: number, tz: string): number {
  const second = ms - (((ms % 1000) + 1000) % 1000)
  const wall = zonedWallClock(second, tz)
  const midnight = wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS)
  // The zone's offset at `ms`, then at the first guess, covers one change of offset in between.
  let start = midnight - (wall - second)
  start = midnight - (zonedWallClock(start, tz) - start)
  // The first second whose wall clock has reached the day, between a second before it and one
  // in it: `start` itself when midnight exists; the clock change when it skipped midnight.
  const inDay = (at: number) => zonedWallClock(at, tz) >= midnight
  if (inDay(start) && !inDay(start - 1000)) return start
  let [before, inside] = inDay(start) ? [start - 2 * 3_600_000, start] : [start, second]
  while (inside - before > 1000) {
    const mid = before + Math.floor((inside - before) / 2000) * 1000
    if (inDay(mid)) inside = mid
    else before = mid
  }
  return inside
}

type Numeric = number | string

/**
 * The tracking's own health (§八): stored and refused events per minute over the last hour,
 * the consumer's lag, today's events per name against the same weekday last week (a `drop` when
 * today has under half), plan events not seen in 7 days, unknown names arriving and the SDK
 * versions in the field.
 */
export async function trackingHealth(
  store: EventStore,
  options: TrackingHealthOptions,
): Promise<TrackingHealth> {
  const now = options.now ?? Date.now()
  const hourAgo = Math.floor((now - 59 * MINUTE_MS) / MINUTE_MS) * MINUTE_MS
  const todayStart = startOfZonedDay(now, options.tz)
  const weekAgo = now - WEEK_MS
  const params = {
    ...options.filters,
    since: hourAgo,
    now,
    today_start: todayStart,
    week_start: todayStart - WEEK_MS,
    week_end: weekAgo,
    week_ago: weekAgo,
    day_ago: now - DAY_MS,
  }
  // Refusals are not per app or platform (a refused request may not say which): with a filter
  // they are left out rather than shown against the wrong app.
  const filtered = options.filters.app_id !== '' || options.filters.platform !== ''
  const rejections = filtered ? undefined : options.rejections
  const [accepted, today, seen, unknown, sdks, lag, refused] = await Promise.all([
    store.query<{ start: Numeric; accepted: Numeric }>(ACCEPTED_SQL, params),
    store.query<{ event_name: string; today: Numeric; last_week: Numeric }>(TODAY_SQL, params),
    store.query<{ event_name: string }>(SEEN_SQL, params),
    store.query<{ event_name: string; events: Numeric; last_seen: Numeric }>(UNKNOWN_SQL, params),
    store.query<{ sdk_version: string; platform: string; events: Numeric; users: Numeric }>(
      SDK_SQL,
      params,
    ),
    options.consumerLag
      ? options.consumerLag()
      : Promise.resolve<ConsumerLag>({ source: 'unavailable', total: null, partitions: {} }),
    rejections ? rejections.since(hourAgo) : Promise.resolve<RejectionBucket[]>([]),
  ])
  const acceptedAt = new Map(accepted.map((row) => [Number(row.start), Number(row.accepted)]))
  const rejectedAt = new Map(refused.map((bucket) => [bucket.start, bucket.rejected]))
  const throughput = []
  for (let start = hourAgo; start <= now; start += MINUTE_MS) {
    throughput.push({
      start,
      accepted: acceptedAt.get(start) ?? 0,
      rejected: rejectedAt.get(start) ?? {},
    })
  }
  const seenNames = new Set(seen.map((row) => row.event_name))
  return {
    generated_at: now,
    bucket_seconds: 60,
    throughput,
    rejected_source: rejections?.source ?? 'unavailable',
    consumer_lag: lag,
    events_today: today.map((row) => {
      const counts = { today: Number(row.today), last_week: Number(row.last_week) }
      return {
        event_name: row.event_name,
        ...counts,
        drop: counts.last_week > 0 && counts.today * 2 < counts.last_week,
      }
    }),
    unseen_plan_events: Object.keys(options.plan?.events ?? {})
      .filter((name) => !seenNames.has(name))
      .sort(),
    unknown_events: unknown.map((row) => ({
      event_name: row.event_name,
      events: Number(row.events),
      last_seen: Number(row.last_seen),
    })),
    sdk_versions: sdks.map((row) => ({
      sdk_version: row.sdk_version,
      platform: row.platform,
      events: Number(row.events),
      users: Number(row.users),
    })),
  }
}
