import { randomUUID } from 'node:crypto'
import type { EventStore } from '../types'
import { SNAPSHOT_SQL, snapshotBuildSql } from './overviewSql'

/**
 * Which days of an overview are closed (answered from a stored snapshot) and which are live
 * (merged from the rollup on each request), and the snapshots themselves.
 *
 * Every day before today (UTC) is closed. A closed day still changes when a late or replayed
 * event for it arrives (an SDK that was offline, a consumer that replays a batch). The rollup
 * counts the rows each insert brings per day and page (inserted_rows, a sum that merges keep
 * and only inserts raise), and a snapshot records that count per day: a day whose count moved
 * since is "changed" and is recomputed live from the rollup, like today, until more than
 * {@link MAX_CHANGED_DAYS} days changed, when the next request builds a new snapshot.
 */

const DAY_MS = 86_400_000

/** Changed closed days recomputed live (~20–40 ms each over 130k page views a day) before a rebuild. */
export const MAX_CHANGED_DAYS = 3

/** States kept for this many pages beyond the top ones, so today's views rarely reorder past them. */
export const EXTRA_KEPT_PAGES = 10

/** The TTL of events and of the rollup (store/migrations.ts): `event_date + INTERVAL 3 MONTH`. */
export const RETENTION_MONTHS = 3

/** An inclusive range of UTC days. */
export interface DayRange {
  /** First day, `YYYY-MM-DD`. */
  from: string
  /** Last day, `YYYY-MM-DD`. */
  to: string
}

/** A range with no day in it, for "no live days" in SQL that expects one. */
export const NO_DAYS: DayRange = { from: '2149-06-06', to: '1970-01-01' }

/** The closed and live parts of an overview's range; either may be missing. */
export interface OverviewParts {
  /** The range asked for, its start moved past days the TTL removes. */
  range: DayRange
  /** The days before today, answered from a snapshot; missing when there are none. */
  closed?: DayRange
  /** Today and later, merged on each request; missing when the range ended before today. */
  live?: DayRange
}

/** The UTC day of a time in ms, `YYYY-MM-DD`. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const msOf = (day: string): number => Date.parse(`${day}T00:00:00Z`)
/** The day `n` days after `day` (before, when `n` is negative). */
export const addDays = (day: string, n: number): string => dayOf(msOf(day) + n * DAY_MS)
const maxDay = (a: string, b: string) => (a > b ? a : b)
const minDay = (a: string, b: string) => (a < b ? a : b)

/** ClickHouse's `day + INTERVAL n MONTH`: the same day n months on, clamped to the month's end. */
function addMonths(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const month = m - 1 + n
  const last = new Date(Date.UTC(y, month + 1, 0)).getUTCDate()
  return dayOf(Date.UTC(y, month, Math.min(d, last)))
}

/**
 * The first day the TTL keeps on `today`: the TTL removes a row once `event_date + 3 MONTH` ≤
 * today, but only when its part merges, so an expired day can lose rows at any moment. The
 * overview never counts expired days, so that removal never changes a number it reports (and
 * never changes a snapshot's range without changing its fingerprint).
 */
export function firstRetainedDay(today: string, retentionDays?: number): string {
  // TRACKPOINT_RETENTION_DAYS: the TTL `event_date + INTERVAL n DAY` keeps the last n days.
  if (retentionDays !== undefined) return addDays(today, 1 - retentionDays)
  let day = addDays(addMonths(today, -RETENTION_MONTHS), -4)
  while (addMonths(day, RETENTION_MONTHS) <= today) day = addDays(day, 1)
  return day
}

/** Splits `[from, to]` into the closed days (before `now`'s UTC day) and the live rest. */
export function splitRange(
  from: string,
  to: string,
  now: number,
  retentionDays?: number,
): OverviewParts {
  const today = dayOf(now)
  const start = maxDay(from, firstRetainedDay(today, retentionDays))
  const lastClosed = addDays(today, -1)
  const closedTo = minDay(to, lastClosed)
  const liveFrom = maxDay(start, addDays(lastClosed, 1))
  return {
    range: { from: start, to },
    closed: start <= closedTo ? { from: start, to: closedTo } : undefined,
    live: liveFrom <= to ? { from: liveFrom, to } : undefined,
  }
}

/** Page views and unique viewers. */
export interface Counts {
  pv: number
  uv: number
}

/** The stored overview of a range of closed days. */
export interface Snapshot {
  /** Its build id, for reading its states and cells. */
  build: string
  total: Counts
  /** The days with page views, with the rollup's counter behind each when it was built. */
  days: Map<string, Counts & { inserted: number }>
  /** Every page viewed in the range; `hasViewers` when the build kept its state. */
  pages: Map<string, Counts & { hasViewers: boolean }>
}

/** A snapshot and the days of its range that changed since it was built. */
export interface ClosedPart {
  snapshot: Snapshot
  /** Days whose numbers must be recomputed live (at most {@link MAX_CHANGED_DAYS}). */
  changedDays: string[]
  /**
   * The build and the rollup's counter of every day of the range, closed and live: equal
   * fingerprints mean that no event for the range was stored in between.
   */
  fingerprint: string
  /** The rollup's counter (sum of inserted_rows) of each day of the range that has rows. */
  counters: Map<string, number>
  /**
   * How many erasures were done so far: an erasure rebuilds days of the rollup, whose counters
   * may then meet an earlier value again, so numbers are remembered under both.
   */
  erasures: number
  /** The links' fingerprint (LINKS_FINGERPRINT_SQL); '0' when no anonymous id is linked. */
  links: string
}

interface SnapshotRow {
  build: string
  build_rows: number | string
  stored_rows: number | string
  kind: 'total' | 'day' | 'page' | 'current' | 'erasures' | 'links'
  day: string
  page: string
  pv: number | string
  uv: number | string
  inserted: number | string
  has_viewers: number | string
}

/** The snapshot in `rows` of the closed days up to `closedTo`, and the current counters. */
function toClosedPart(rows: SnapshotRow[], closedTo: string): ClosedPart | undefined {
  const current = new Map<string, number>()
  let snapshot: Snapshot | undefined
  let erasures = 0
  let links = ''
  for (const row of rows) {
    const counts = { pv: Number(row.pv), uv: Number(row.uv) }
    if (row.kind === 'erasures') {
      erasures = Number(row.inserted)
      continue
    }
    if (row.kind === 'links') {
      links = String(row.inserted)
      continue
    }
    if (row.kind === 'current') {
      current.set(row.day, Number(row.inserted))
      continue
    }
    // A build is one INSERT; one not (yet) stored whole is not used.
    if (Number(row.stored_rows) !== Number(row.build_rows)) return undefined
    snapshot ??= { build: row.build, total: { pv: 0, uv: 0 }, days: new Map(), pages: new Map() }
    if (row.kind === 'total') snapshot.total = counts
    else if (row.kind === 'day') {
      snapshot.days.set(row.day, { ...counts, inserted: Number(row.inserted) })
    } else {
      snapshot.pages.set(row.page, { ...counts, hasViewers: Number(row.has_viewers) === 1 })
    }
  }
  if (!snapshot) return undefined
  const days = new Set([...current.keys(), ...snapshot.days.keys()])
  const changedDays = [...days]
    .filter((day) => day <= closedTo)
    .filter((day) => (current.get(day) ?? 0) !== (snapshot.days.get(day)?.inserted ?? 0))
    .sort()
  const counters = [...current].sort(([a], [b]) => (a < b ? -1 : 1))
  return {
    snapshot,
    changedDays,
    // The links decide who is one person: a late link changes past answers.
    fingerprint: `${snapshot.build} ${erasures} ${links} ${JSON.stringify(counters)}`,
    counters: current,
    erasures,
    links,
  }
}

/** Builds in flight per store and range, so that concurrent requests build once. */
const building = new WeakMap<
  EventStore,
  Map<string, { started: number; done: Promise<ClosedPart> }>
>()

/**
 * The overview of the closed days `range`: the newest stored build and the days that changed
 * since, or — when there is none, or more than {@link MAX_CHANGED_DAYS} days changed — a new
 * build (one INSERT … SELECT over the rollup, ~1 s for 30 days of 4M page views), which later
 * requests reuse. A request joins a build in flight only when that build started after the
 * request did, so an answer never misses an event stored before the request.
 *
 * @param topPages - How many top pages the overview lists; the build keeps the states of
 *   {@link EXTRA_KEPT_PAGES} more.
 */
export async function closedSnapshot(
  store: EventStore,
  range: DayRange,
  live: DayRange | undefined,
  topPages: number,
): Promise<ClosedPart> {
  const started = performance.now()
  const params = {
    from: range.from,
    to: range.to,
    liveFrom: live?.from ?? NO_DAYS.from,
    liveTo: live?.to ?? NO_DAYS.to,
    limit: topPages,
  }
  const read = async () =>
    toClosedPart(await store.query<SnapshotRow>(SNAPSHOT_SQL, params), range.to)
  const stored = await read()
  if (stored && stored.changedDays.length <= MAX_CHANGED_DAYS) return stored
  let builds = building.get(store)
  if (!builds) building.set(store, (builds = new Map()))
  const key = `${range.from}/${range.to}/${topPages}`
  const inFlight = builds.get(key)
  if (inFlight && inFlight.started >= started) return inFlight.done
  const done = (async () => {
    const build = randomUUID()
    const kept = topPages + EXTRA_KEPT_PAGES
    await store.command(snapshotBuildSql(range.from, range.to, topPages, kept, build))
    const built = await read()
    if (!built) throw new Error(`overview snapshot ${build} of ${key} was not stored whole`)
    // Changed days here are events stored since the build began: recomputed live like others.
    return built
  })()
  const entry = { started: performance.now(), done }
  builds.set(key, entry)
  try {
    return await done
  } finally {
    if (builds.get(key) === entry) builds.delete(key)
  }
}
