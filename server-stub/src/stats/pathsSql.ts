import { FILTER_SQL } from './statsFilters'

/**
 * The SQL pieces of a session's path (docs/stats-api.md, "paths"), shared by the direct query
 * (stats/userPaths.ts) and the kept builds (stats/pathBuilds.ts), so both compute one rule.
 */

/** Which way a path runs from its anchor page. */
export type PathDirection = 'from' | 'to'

/** The page views a path is made of: the range's, with a session id, of the filters. */
export const VIEWS_SQL = `event_name = 'page_view'
    AND session_id != ''
    AND event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
    AND toDate(timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
    AND ${FILTER_SQL}`

/** A session's pages as visited: in order of (timestamp, event_id), an aggregate over its views. */
export const VISITED_SQL = `arrayMap(v -> v.3, arraySort(groupArray((timestamp, toString(event_id), page))))`

/**
 * `visited` with views of one page in a row kept once, so that a duplicate row of an event (same
 * time, id and page) changes nothing and no FINAL is needed. The page before each page is
 * passed to the lambda as a second array: a lambda that reads a captured array
 * (`visited[i - 1]`) copies that array once per element.
 *
 * @param visited - An expression or alias naming the visited pages.
 */
export const dedupSql = (visited: string): string =>
  `arrayFilter((p, previous, i) -> i = 1 OR p != previous,
      ${visited}, arrayPushFront(arrayPopBack(${visited}), ''), arrayEnumerate(${visited}))`

/**
 * Where the path starts in `pages`: the first view of the anchor (from), or its last (to); 0
 * when the session never viewed it.
 *
 * @param page - An expression naming the anchor page.
 */
export function anchorSql(direction: PathDirection, page: string): string {
  return direction === 'from'
    ? `indexOf(pages, ${page})`
    : `if(has(pages, ${page}), length(pages) + 1 - indexOf(arrayReverse(pages), ${page}), 0)`
}

/**
 * The path: the anchor (at `anchor` in `pages`) and up to `depth - 1` pages after it (from), or
 * before it (to).
 *
 * @param depth - An expression naming the depth.
 */
export function sliceSql(direction: PathDirection, depth: string): string {
  return direction === 'from'
    ? `arraySlice(pages, anchor, ${depth})`
    : `arraySlice(pages, greatest(1, anchor - ${depth} + 1), least(anchor, ${depth}))`
}
