/**
 * The SQL of `GET /api/stats/overview`, over page_views_daily (exact states per day and page,
 * see store/migrations.ts) and overview_snapshots (the overview of a range of closed days).
 *
 * Why it is shaped like this (measured over 10M events, 4M page views, 30 days): merging the
 * states costs tens of ns per stored entry, more when the merged set is large, so merging 30
 * days per request took ~1 s — the daily unique users alone ~0.3–0.5 s, each day's set holding
 * ~130k ids. Closed days change only through late or replayed events, so their overview is
 * computed once and stored; a request merges only the live days (today, and closed days that
 * changed since the build) plus the stored states of the total and of the top pages — unique
 * users of a range cannot be added up from days, so the union needs states, not numbers.
 *
 * "Live" below is the predicate `event_date BETWEEN {liveFrom} AND {liveTo} OR event_date IN
 * {changedDays}`.
 */

import { PERSON_LINKS_SQL, LINKS_FINGERPRINT_SQL, eventsWithPerson, personOf } from './personSql'

const LIVE = `(event_date BETWEEN {liveFrom:Date} AND {liveTo:Date}
    OR event_date IN {changedDays:Array(Date)})`

/** Per day and page where `where` holds: exact page views, the viewers' state, the counter. */
const BY_DAY_AND_PAGE = (where: string) => `
    SELECT event_date, page, uniqExactMerge(views) AS pv, uniqExactMergeState(viewers) AS viewers,
      sum(inserted_rows) AS inserted
    FROM page_views_daily
    WHERE ${where}
    GROUP BY event_date, page`

/**
 * One row per cell (day and page), per day, per page and for the whole range, from one read of
 * the rollup. Page views add up across days and pages (an event has one day and one page);
 * viewers are merged states. `grouping(x)` is 1 where x is not part of the row's grouping set.
 */
const GROUPED = (where: string, sets: string) => `
  SELECT multiIf(grouping(event_date) = 0 AND grouping(page) = 0, 'cell',
      grouping(event_date) = 0, 'day', grouping(page) = 0, 'page', 'total') AS kind,
    event_date AS day, page,
    sum(pv) AS pv, uniqExactMergeState(viewers) AS viewers, sum(inserted) AS inserted
  FROM (${BY_DAY_AND_PAGE(where)}
  )
  GROUP BY GROUPING SETS (${sets})`

/**
 * Page views and unique viewers of each live day but `{knownDays}` (whose numbers the caller
 * still has), and its page views per page (a map: merging the viewers per page too would cost
 * as much again, and the top pages' viewers come from UNION_USERS_SQL anyway).
 */
export const LIVE_NUMBERS_SQL = `
SELECT toString(event_date) AS day, sum(cell_pv) AS pv, uniqExactMerge(cell_viewers) AS uv,
  sumMap(map(page, cell_pv)) AS pages
FROM (
  SELECT event_date, page, pv AS cell_pv, viewers AS cell_viewers
  FROM (${BY_DAY_AND_PAGE(`${LIVE} AND event_date NOT IN {knownDays:Array(Date)}`)}
  )
)
GROUP BY event_date`

const DAY_LITERAL = /^\d{4}-\d{2}-\d{2}$/
const UUID_LITERAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Stores the overview of the closed days `[from, to]` as one build (one INSERT, one read of
 * the rollup, so every row and its `inserted` fingerprint come from the same data), keeping the
 * states of the total and of the `keptPages` most viewed pages. Literals instead of query
 * parameters because EventStore.command takes none; every value is checked here.
 */
export function snapshotBuildSql(
  from: string,
  to: string,
  topPages: number,
  keptPages: number,
  build: string,
): string {
  if (!DAY_LITERAL.test(from) || !DAY_LITERAL.test(to) || !UUID_LITERAL.test(build)) {
    throw new TypeError(`snapshotBuildSql: bad range ${from}..${to} or build id ${build}`)
  }
  for (const n of [topPages, keptPages]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad page count ${n}`)
  }
  return `
INSERT INTO overview_snapshots (from_date, to_date, top_pages, build_id, build_rows, kind, day,
  page, pv, uv, inserted, has_viewers, viewers)
SELECT toDate('${from}'), toDate('${to}'), ${topPages}, toUUID('${build}'), build_rows, kind, day,
  page, pv, finalizeAggregation(viewers), inserted, keep,
  if(keep, viewers, arrayReduce('uniqExactState', CAST([], 'Array(String)')))
FROM (
  SELECT *, count() OVER () AS build_rows,
    kind = 'total'
      OR (kind = 'page' AND row_number() OVER (PARTITION BY kind ORDER BY pv DESC, page) <= ${keptPages})
      AS keep
  FROM (${GROUPED(
    `event_date BETWEEN toDate('${from}') AND toDate('${to}')`,
    '(event_date, page), (event_date), (page), ()',
  )}
  )
)`
}

/**
 * The newest build for `[{from}, {to}]` and `{limit}` top pages (cells left out), with how
 * many of its rows are stored, and the rollup's current counter per day of the range and of the
 * live days `[{liveFrom}, {liveTo}]`: a closed day whose counter moved since the build got late
 * or replayed events and is recomputed live; all of them together tell whether an answer
 * computed earlier still holds. Builds made before the latest erasure (DELETE
 * /api/admin/users/{id}) are never used: they may hold an erased person's state. The `erasures`
 * row counts the erasures so far, which readers fold into what they remember.
 */
export const SNAPSHOT_SQL = `
WITH (
  SELECT argMax(build_id, built_at) FROM overview_snapshots
  WHERE from_date = {from:Date} AND to_date = {to:Date} AND top_pages = {limit:UInt32}
    AND kind = 'total' AND built_at > (SELECT max(erased_at) FROM erasures)
) AS latest
SELECT toString(build_id) AS build, build_rows,
  (SELECT count() FROM overview_snapshots
   WHERE from_date = {from:Date} AND to_date = {to:Date} AND top_pages = {limit:UInt32}
     AND build_id = latest) AS stored_rows,
  toString(kind) AS kind, toString(day) AS day, page, pv, uv, inserted, has_viewers
FROM overview_snapshots
WHERE from_date = {from:Date} AND to_date = {to:Date} AND top_pages = {limit:UInt32}
  AND build_id = latest AND kind != 'cell'
UNION ALL
SELECT '', 0, 0, 'current', toString(event_date), '', 0, 0, sum(inserted_rows), 0
FROM page_views_daily
WHERE event_date BETWEEN {from:Date} AND {to:Date}
  OR event_date BETWEEN {liveFrom:Date} AND {liveTo:Date}
GROUP BY event_date
UNION ALL
SELECT '', 0, 0, 'erasures', '', '', 0, 0, count(), 0 FROM erasures
UNION ALL
SELECT '', 0, 0, 'links', '', '', 0, 0, (${LINKS_FINGERPRINT_SQL}), 0`

/** Page views per page of a build's cells on the given (changed) days. */
export const CHANGED_CELLS_SQL = `
SELECT page, sum(pv) AS pv
FROM overview_snapshots
WHERE from_date = {from:Date} AND to_date = {to:Date} AND top_pages = {limit:UInt32}
  AND build_id = {build:UUID} AND kind = 'cell' AND day IN {changedDays:Array(Date)}
GROUP BY page`

/**
 * Exact unique viewers of the whole range (`kind` total) and of the given pages, as unions of
 * states: the build's stored states of the closed days with the live states (`snapPages`, whose
 * state the build kept), or the rollup's states over the whole range (`otherPages`, and the
 * total when there is no build). A union of exact sets is idempotent, so the build's state of a
 * changed day's old data merged with that day's current states counts each viewer once.
 */
export const UNION_USERS_SQL = `
SELECT kind, key, uniqExactMerge(viewers) AS uv
FROM (
  SELECT toString(kind) AS kind, page AS key, viewers FROM overview_snapshots
  WHERE from_date = {closedFrom:Date} AND to_date = {closedTo:Date} AND top_pages = {limit:UInt32}
    AND build_id = {build:UUID}
    AND (kind = 'total' OR (kind = 'page' AND page IN {snapPages:Array(String)}))
  UNION ALL
  SELECT 'total' AS kind, '' AS key, viewers FROM page_views_daily
  WHERE ${LIVE}
  UNION ALL
  SELECT 'page' AS kind, page AS key, viewers FROM page_views_daily
  WHERE ${LIVE} AND page IN {snapPages:Array(String)}
  UNION ALL
  SELECT 'page' AS kind, page AS key, viewers FROM page_views_daily
  WHERE event_date BETWEEN {from:Date} AND {to:Date} AND page IN {otherPages:Array(String)}
)
GROUP BY kind, key`

/**
 * From ids to people (issue 14). The rollup and the snapshots count user ids; an anonymous id
 * linked later to a user must count as that user, for days already closed too, and a state
 * cannot be rewritten. So the overview adds, per scope (the whole range, each day, each page),
 * `persons - ids` over the page views of the ids that links touch in the range — X: the linked
 * anonymous ids with a page view in the range, and the people they were linked to. Exact: every
 * other id is its own person and no person outside X has an id in X, so
 * |people(S)| = |S| - |S ∩ X| + |people(S ∩ X)|. It reads one column of the range's page views
 * to find X, then only X's rows; no links in the range, no rows.
 */
export const PERSON_CORRECTION_SQL = `
SELECT multiIf(grouping(event_date) = 0, 'day', grouping(page) = 0, 'page', 'total') AS kind,
  event_date AS day, page, uniqExact(user_id) AS ids, uniqExact(person) AS persons
FROM (
  SELECT e.event_date AS event_date, e.page AS page, e.user_id AS user_id, ${personOf()} AS person
  FROM ${eventsWithPerson()}
  WHERE e.event_name = 'page_view'
    AND e.event_date BETWEEN {from:Date} AND {to:Date}
    AND e.user_id GLOBAL IN (
      SELECT arrayJoin([linked_id, linked_person]) FROM ${PERSON_LINKS_SQL}
      WHERE linked_id GLOBAL IN (
        SELECT user_id FROM events
        WHERE event_name = 'page_view' AND event_date BETWEEN {from:Date} AND {to:Date}
          AND user_id GLOBAL IN (SELECT linked_id FROM ${PERSON_LINKS_SQL})
      )
    )
)
GROUP BY GROUPING SETS ((event_date), (page), ())`
