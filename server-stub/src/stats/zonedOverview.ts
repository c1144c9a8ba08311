import type { EventStore } from '../types'
import { createAnswerCache, type AnswerCache } from './answerCache'
import type { OverviewStats } from './overview'
import { dayOf, firstRetainedDay } from './overviewSnapshot'
import { eventsWithPerson, LINKS_FINGERPRINT_SQL, personOf } from './personSql'
import { FILTER_SQL, NO_FILTERS, type StatsFilters } from './statsFilters'
import { fillDays, zonedRangeParams, type StatsRange } from './statsRange'

/**
 * The overview in the days of a time zone other than UTC, or of one app or platform, straight
 * from `events` (each event once with FINAL, unique users exact and counted as people). The
 * rollup and the snapshots are kept per UTC day and for every app, so
 * they cannot answer a day that runs from 16:00 to 16:00 UTC; this reads the range's page_view
 * rows instead (~1 s over 10 M events, where the UTC overview answers in ~0.1 s). As the UTC
 * overview does, it leaves out UTC days the 3-month TTL removes.
 */
/** The range's page views, each event once, with its person (stats/personSql.ts). */
const VIEWS = `(
  SELECT toDate(e.timestamp, {tz:String}) AS day, e.page AS page, ${personOf()} AS person
  FROM ${eventsWithPerson('e', true)}
  WHERE e.event_name = 'page_view'
    AND e.event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
    AND toDate(e.timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
    AND ${FILTER_SQL}
)`

const ZONED_OVERVIEW_SQL = `
SELECT 'day' AS kind, toString(day) AS key, count() AS pv, uniqExact(person) AS uv
FROM ${VIEWS}
GROUP BY day
UNION ALL
SELECT 'total', '', count(), uniqExact(person)
FROM ${VIEWS}
UNION ALL
SELECT 'page', page, pv, uv FROM (
  SELECT page, count() AS pv, uniqExact(person) AS uv
  FROM ${VIEWS}
  GROUP BY page
  ORDER BY pv DESC, page
  LIMIT {limit:UInt32}
)`

type Numeric = number | string

/**
 * The rollup's insert counters of the UTC days that can hold the range's events: they move
 * with every page view stored for those days (late and replayed ones too) and never otherwise,
 * so an answer computed after reading them holds while they are unchanged (see overviewSql.ts).
 */
const COUNTERS_SQL = `
SELECT toString(event_date) AS day, sum(inserted_rows) AS inserted
FROM page_views_daily
WHERE event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
GROUP BY event_date
ORDER BY event_date`

/** Per store: zoned or filtered answers, reused while the counters of their days hold. */
const zonedAnswers = new WeakMap<EventStore, AnswerCache<OverviewStats>>()

/**
 * {@link OverviewStats} over the days of `range.tz`.
 *
 * @param store - The event store.
 * @param range - Inclusive days of `range.tz`; open bounds follow the data.
 * @param topPages - How many pages `top_pages` lists.
 * @param now - The current time, ms (decides which days the TTL removed).
 * @param filters - Only page views of this app and platform.
 * @param retentionDays - `TRACKPOINT_RETENTION_DAYS`, when set.
 * @throws RangeError when the range or time zone is malformed.
 */
export async function zonedOverview(
  store: EventStore,
  range: StatsRange,
  topPages: number,
  now: number,
  filters: StatsFilters = NO_FILTERS,
  retentionDays?: number,
): Promise<OverviewStats> {
  const params = zonedRangeParams(range)
  const retained = firstRetainedDay(dayOf(now), retentionDays)
  if (params.from_utc < retained) params.from_utc = retained
  let answers = zonedAnswers.get(store)
  if (!answers) zonedAnswers.set(store, (answers = createAnswerCache()))
  const key = JSON.stringify([params, filters, topPages, range.from ?? null, range.to ?? null])
  // Read before the answer is computed: a page view stored in between moves them, so the next
  // request recomputes; an answer is never older than its fingerprint.
  // The links and the erasures too: a login linked later makes earlier anonymous views that
  // person's, and an erasure rebuilds a day's counter from fewer rows (it may come out equal).
  const fingerprint = JSON.stringify(
    await Promise.all([
      store.query(COUNTERS_SQL, params),
      store.query(LINKS_FINGERPRINT_SQL),
      store.query('SELECT count() AS erasures FROM erasures'),
    ]),
  )
  const cached = answers.get(key, fingerprint)
  if (cached) return cached
  const rows = await store.query<{ kind: string; key: string; pv: Numeric; uv: Numeric }>(
    ZONED_OVERVIEW_SQL,
    { ...params, ...filters, limit: topPages },
  )
  const days: OverviewStats['daily_stats'] = []
  const pages: OverviewStats['top_pages'] = []
  let total = { pv: 0, uv: 0 }
  for (const row of rows) {
    const counts = { pv: Number(row.pv), uv: Number(row.uv) }
    if (row.kind === 'day') days.push({ date: row.key, ...counts })
    else if (row.kind === 'page') pages.push({ page: row.key, ...counts })
    else total = counts
  }
  days.sort((a, b) => (a.date < b.date ? -1 : 1))
  pages.sort((a, b) => b.pv - a.pv || (a.page < b.page ? -1 : a.page > b.page ? 1 : 0))
  const answer = {
    ...total,
    daily_stats: fillDays(days, range, (date) => ({ date, pv: 0, uv: 0 })),
    top_pages: pages,
  }
  answers.set(key, fingerprint, answer)
  return answer
}
