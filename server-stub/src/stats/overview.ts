import type { EventStore } from '../types'
import { createAnswerCache, type AnswerCache } from './answerCache'
import {
  CHANGED_CELLS_SQL,
  LIVE_NUMBERS_SQL,
  PERSON_CORRECTION_SQL,
  UNION_USERS_SQL,
} from './overviewSql'
import { NO_DAYS, closedSnapshot, dayOf, splitRange, type ClosedPart } from './overviewSnapshot'
import { NO_FILTERS, isFiltered, type StatsFilters } from './statsFilters'
import { fillDays, rangeParams, type StatsRange } from './statsRange'
import { zonedOverview } from './zonedOverview'

/** Page views and unique users (of page_view events). */
export interface PageViewCounts {
  pv: number
  uv: number
}

/** `GET /api/stats/overview`. */
export interface OverviewStats extends PageViewCounts {
  /** Every day of the range, zeros included; uv is per day. */
  daily_stats: (PageViewCounts & { date: string })[]
  /** The most viewed page paths, most views first. */
  top_pages: (PageViewCounts & { page: string })[]
}

/** Options of {@link overview}. */
export interface OverviewOptions extends StatsRange {
  /**
   * How many pages `top_pages` lists.
   * @default 10
   */
  topPages?: number
  /**
   * The current time in ms, which decides which days are closed (tests set it).
   * @default Date.now()
   */
  now?: number
  /** `TRACKPOINT_RETENTION_DAYS`: days older than the retention are not counted. @default the 3-month TTL */
  retentionDays?: number
}

type Numeric = number | string
const num = (value: Numeric | undefined): number => Number(value ?? 0)

/** A live day's numbers, as LIVE_NUMBERS_SQL answers them. */
interface DayRow {
  day: string
  pv: Numeric
  uv: Numeric
  pages: Record<string, Numeric>
}

/** How many days' numbers one store keeps in memory (see {@link liveDays}). */
const REMEMBERED_DAYS = 400

/**
 * Per store: a day's numbers with the rollup's counter of the day they were computed under, and
 * the number of erasures then (an erasure rebuilds a day's counter from fewer rows).
 */
const rememberedDays = new WeakMap<
  EventStore,
  Map<string, { inserted: number; erasures: number; row: DayRow }>
>()
/** Per store: answers reused while no event for their range was stored since. */
const overviewAnswers = new WeakMap<EventStore, AnswerCache<OverviewStats>>()

const NO_BUILD = '00000000-0000-0000-0000-000000000000'

/**
 * Page views and unique users per UTC day and in total, and the top pages, over page_view
 * events (each event once; unique users exact, never summed across days). With `tz` other than
 * UTC the days are that zone's, read from the events (see zonedOverview.ts).
 *
 * Closed days (see overviewSnapshot.ts) come from a stored snapshot, checked against the
 * rollup's per-day counters on every request; live days (today, and closed days that received
 * events since the snapshot) are merged from the rollup; the unique users of the range and of
 * the top pages are unions of the snapshot's states with the live ones. Days the TTL removes
 * (older than three months) are not counted.
 *
 * @param store - The event store.
 * With an `app_id` or `platform` filter it reads the range's page views of those events (the
 * rollup and snapshots hold every app and platform together), as for another zone.
 *
 * @param store - The event store.
 * @param options - Inclusive UTC days (open bounds follow the data) and the top-pages length.
 * @param filters - Only page views of this app and platform.
 * @throws RangeError when the range or `topPages` is malformed.
 */
export async function overview(
  store: EventStore,
  options: OverviewOptions = {},
  filters: StatsFilters = NO_FILTERS,
): Promise<OverviewStats> {
  const { topPages = 10, now = Date.now(), retentionDays, ...range } = options
  if (!Number.isSafeInteger(topPages) || topPages < 0) {
    throw new RangeError(`topPages must be a non-negative integer, got ${topPages}`)
  }
  // The rollup and snapshots are per UTC day: another zone's days are read from the events.
  if ((range.tz !== undefined && range.tz !== 'UTC') || isFiltered(filters)) {
    return zonedOverview(store, range, topPages, now, filters, retentionDays)
  }
  const { from, to } = rangeParams(range)
  const parts = splitRange(from, to, now, retentionDays)
  const closed = parts.closed
    ? await closedSnapshot(store, parts.closed, parts.live, topPages)
    : undefined
  let answers = overviewAnswers.get(store)
  if (!answers) overviewAnswers.set(store, (answers = createAnswerCache()))
  const key = JSON.stringify([range.from, range.to, dayOf(now), topPages])
  const cached = closed && answers.get(key, closed.fingerprint)
  if (cached) return cached

  const changedDays = closed?.changedDays ?? []
  const live = {
    liveFrom: parts.live?.from ?? NO_DAYS.from,
    liveTo: parts.live?.to ?? NO_DAYS.to,
    changedDays,
  }
  const build = closed?.snapshot.build ?? NO_BUILD
  const [liveRows, changedCells] = await Promise.all([
    parts.live || changedDays.length ? liveDays(store, live, closed) : [],
    changedDays.length
      ? store.query<{ page: string; pv: Numeric }>(CHANGED_CELLS_SQL, {
          ...parts.closed,
          limit: topPages,
          build,
          changedDays,
        })
      : [],
  ])
  // Closed days from the snapshot, except changed days, which come live with today.
  const changed = new Set(changedDays)
  const days = [...(closed?.snapshot.days ?? [])]
    .filter(([date]) => !changed.has(date))
    .map(([date, c]) => ({ date, pv: c.pv, uv: c.uv }))
  const pagePv = new Map([...(closed?.snapshot.pages ?? [])].map(([page, c]) => [page, c.pv]))
  const add = (page: string, pv: number) => pagePv.set(page, (pagePv.get(page) ?? 0) + pv)
  for (const cell of changedCells) add(cell.page, -num(cell.pv))
  for (const row of liveRows) {
    days.push({ date: row.day, pv: num(row.pv), uv: num(row.uv) })
    for (const [page, pv] of Object.entries(row.pages)) add(page, num(pv))
  }
  const top = [...pagePv]
    .filter(([, pv]) => pv > 0)
    .sort(([pageA, a], [pageB, b]) => b - a || (pageA < pageB ? -1 : pageA > pageB ? 1 : 0))
    .slice(0, topPages)
    .map(([page]) => page)
  const kept = (page: string) => closed?.snapshot.pages.get(page)?.hasViewers === true
  const users =
    closed && !parts.live && changedDays.length === 0
      ? {
          // Only closed days, none changed: the snapshot has every number.
          total: closed.snapshot.total.uv,
          pages: new Map([...closed.snapshot.pages].map(([page, c]) => [page, c.uv])),
        }
      : await unionUsers(store, {
          ...parts.range,
          closedFrom: parts.closed?.from ?? parts.range.from,
          closedTo: parts.closed?.to ?? parts.range.from,
          limit: topPages,
          build,
          // Without a snapshot the whole range is live.
          ...(closed ? live : { ...live, liveFrom: parts.range.from, liveTo: parts.range.to }),
          snapPages: top.filter(kept),
          otherPages: top.filter((page) => !kept(page)),
        })
  // The rollup counts ids; people are fewer where links join ids (see PERSON_CORRECTION_SQL).
  // No link at all (the snapshot lookup just read their fingerprint): ids are people.
  const fewer =
    closed?.links === '0'
      ? { total: 0, days: new Map<string, number>(), pages: new Map<string, number>() }
      : await personCorrection(store, parts.range)
  const answer: OverviewStats = {
    // Page views add up across days; unique users do not, so they come from a union.
    pv: days.reduce((sum, day) => sum + day.pv, 0),
    uv: users.total - fewer.total,
    daily_stats: fillDays(
      days.map((day) => ({ ...day, uv: day.uv - (fewer.days.get(day.date) ?? 0) })),
      range,
      (date) => ({ date, pv: 0, uv: 0 }),
    ),
    top_pages: top.map((page) => ({
      page,
      pv: pagePv.get(page) ?? 0,
      uv: (users.pages.get(page) ?? 0) - (fewer.pages.get(page) ?? 0),
    })),
  }
  if (closed) answers.set(key, closed.fingerprint, answer)
  return answer
}

/**
 * The numbers of the live days. A day's numbers depend only on its rows in the rollup, so those
 * computed under the counter the snapshot lookup just read are reused: a closed day that got
 * late events is merged once, not on every request (today's counter moves with each insert).
 * Numbers are remembered under the counter read before computing them, so a later counter
 * equal to it means nothing was stored for the day in between.
 */
async function liveDays(
  store: EventStore,
  live: { liveFrom: string; liveTo: string; changedDays: string[] },
  closed: ClosedPart | undefined,
): Promise<DayRow[]> {
  let remembered = rememberedDays.get(store)
  if (!remembered) rememberedDays.set(store, (remembered = new Map()))
  const counters = closed?.counters ?? new Map<string, number>()
  const isLive = (day: string) =>
    (day >= live.liveFrom && day <= live.liveTo) || live.changedDays.includes(day)
  const erasures = closed?.erasures ?? 0
  const known = [...counters]
    .filter(([day, inserted]) => {
      const kept = remembered.get(day)
      return isLive(day) && kept?.inserted === inserted && kept.erasures === erasures
    })
    .map(([day]) => day)
  const rows = await store.query<DayRow>(LIVE_NUMBERS_SQL, { ...live, knownDays: known })
  for (const row of rows) {
    const inserted = counters.get(row.day)
    if (inserted === undefined) continue
    remembered.delete(row.day)
    remembered.set(row.day, { inserted, erasures, row })
    for (const oldest of remembered.keys()) {
      if (remembered.size <= REMEMBERED_DAYS) break
      remembered.delete(oldest)
    }
  }
  return [...rows, ...known.map((day) => remembered.get(day)?.row as DayRow)]
}

/** How many ids fewer the people are than the ids, in the range, per day and per page. */
async function personCorrection(
  store: EventStore,
  range: { from: string; to: string },
): Promise<{ total: number; days: Map<string, number>; pages: Map<string, number> }> {
  const rows = await store.query<{
    kind: 'total' | 'day' | 'page'
    day: string
    page: string
    ids: Numeric
    persons: Numeric
  }>(PERSON_CORRECTION_SQL, range)
  const result = { total: 0, days: new Map<string, number>(), pages: new Map<string, number>() }
  for (const row of rows) {
    const fewer = num(row.ids) - num(row.persons)
    if (row.kind === 'total') result.total = fewer
    else if (row.kind === 'day') result.days.set(row.day, fewer)
    else result.pages.set(row.page, fewer)
  }
  return result
}

/** Unique viewers of the range and of the top pages: stored states united with live ones. */
async function unionUsers(
  store: EventStore,
  params: Record<string, unknown>,
): Promise<{ total: number; pages: Map<string, number> }> {
  const rows = await store.query<{ kind: 'total' | 'page'; key: string; uv: Numeric }>(
    UNION_USERS_SQL,
    params,
  )
  const result = { total: 0, pages: new Map<string, number>() }
  for (const row of rows) {
    if (row.kind === 'total') result.total = num(row.uv)
    else result.pages.set(row.key, num(row.uv))
  }
  return result
}
