import type { EventStore } from '../types'
import { FILTER_SQL, type StatsFilters } from './statsFilters'
import { zonedRangeParams, type StatsRange } from './statsRange'

/** What `GET /api/stats/paths` asks: paths from (`from`) or to (`to`) a page. */
export interface PathsQuery {
  direction: 'from' | 'to'
  /** The anchor page. */
  page: string
  /** Pages per path, the anchor included. */
  depth: number
  /** How many paths; also how many pages each step keeps as nodes. */
  limit: number
}

/** A node of the Sankey: a page at a distance (`step`) from the anchor. */
export interface PathNode {
  /** `"<step>:<page>"`. */
  id: string
  step: number
  /** The page, or `(other)` for the pages of the step beyond the `limit` kept. */
  page: string
  sessions: number
}

/** `GET /api/stats/paths` (rules in docs/stats-api.md). */
export interface UserPaths {
  direction: 'from' | 'to'
  page: string
  depth: number
  /** Sessions with a path (that viewed the anchor page). */
  sessions: number
  nodes: PathNode[]
  links: { source: string; target: string; sessions: number }[]
  paths: { pages: string[]; sessions: number }[]
}

/** The page of the merged node of a step's pages beyond the kept ones. */
export const OTHER_PAGE = '(other)'

/** The page views a path is made of: the range's, with a session id, of the filters. */
const VIEWS = `event_name = 'page_view'
    AND session_id != ''
    AND event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
    AND toDate(timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
    AND ${FILTER_SQL}`

/** Where the path starts in a session's `pages`: the first view of the anchor, or its last. */
const ANCHOR_SQL = {
  from: `indexOf(pages, {page:String})`,
  to: `if(has(pages, {page:String}), length(pages) + 1 - indexOf(arrayReverse(pages), {page:String}), 0)`,
} as const

/** The path: the anchor and up to `{depth} - 1` pages after it, or before it. */
const SLICE_SQL = {
  from: `arraySlice(pages, anchor, {depth:UInt32})`,
  to: `arraySlice(pages, greatest(1, anchor - {depth:UInt32} + 1), least(anchor, {depth:UInt32}))`,
} as const

/**
 * Every distinct path with its sessions, one statement per direction (an `if` over the
 * direction computed both slices for every session). Per session (page views of the range and
 * filters with one non-empty session_id), pages in order of (timestamp, event_id), views of one
 * page in a row kept once — so a duplicate row of an event (same time, same id, same page)
 * changes nothing and no FINAL is needed. The anchor is the first view of `{page}` (from) or its
 * last (to).
 *
 * Costs, measured over 30 days of 10M events (docs/decisions.md, "Paths"): the page before each
 * page is passed to the lambda as a second array — a lambda that reads a captured array
 * (`visited[i - 1]`) copies that array once per element. The set of sessions that viewed the
 * anchor filters in PREWHERE, before the other columns are read.
 */
function pathsSql(direction: PathsQuery['direction']): string {
  return `
SELECT path, count() AS sessions
FROM (
  SELECT
    arrayMap(v -> v.3, arraySort(groupArray((timestamp, toString(event_id), page)))) AS visited,
    arrayFilter((p, previous, i) -> i = 1 OR p != previous,
      visited, arrayPushFront(arrayPopBack(visited), ''), arrayEnumerate(visited)) AS pages,
    ${ANCHOR_SQL[direction]} AS anchor,
    ${SLICE_SQL[direction]} AS path
  FROM events
  -- Only sessions that viewed the page: a few of them, so the sort per session is cheap.
  PREWHERE session_id IN (SELECT session_id FROM events WHERE ${VIEWS} AND page = {page:String})
  WHERE ${VIEWS}
  GROUP BY session_id
  HAVING anchor > 0
)
GROUP BY path
-- The set of sessions is for filtering rows, not for the key's index: building an index
-- condition from tens of thousands of session ids cost more than it skipped (750 vs 850 ms
-- over 30 days of 10M events).
SETTINGS use_index_for_in_with_subqueries = 0`
}

const PATHS_SQL = { from: pathsSql('from'), to: pathsSql('to') } as const

/** Orders paths: more sessions first, then the pages compared one by one (a prefix first). */
export function comparePaths(
  a: { pages: string[]; sessions: number },
  b: { pages: string[]; sessions: number },
): number {
  if (a.sessions !== b.sessions) return b.sessions - a.sessions
  for (let i = 0; i < Math.min(a.pages.length, b.pages.length); i++) {
    if (a.pages[i] !== b.pages[i]) return a.pages[i]! < b.pages[i]! ? -1 : 1
  }
  return a.pages.length - b.pages.length
}

/**
 * The Sankey of the paths: nodes per step (the `limit` pages with most sessions, the rest
 * merged), links between consecutive pages, and the top paths. Pure, so the route's answer is
 * the SQL's distinct paths turned into what the chart draws.
 *
 * @param paths - Every distinct path (pages in visit order) with its sessions.
 */
export function toSankey(
  query: PathsQuery,
  paths: readonly { pages: string[]; sessions: number }[],
): UserPaths {
  // The step of the i-th page of a path: its distance from the anchor.
  const stepOf = (pages: readonly string[], i: number) =>
    query.direction === 'from' ? i : pages.length - 1 - i
  const perStep = new Map<number, Map<string, number>>()
  for (const { pages, sessions } of paths) {
    pages.forEach((page, i) => {
      const step = stepOf(pages, i)
      let counts = perStep.get(step)
      if (!counts) perStep.set(step, (counts = new Map()))
      counts.set(page, (counts.get(page) ?? 0) + sessions)
    })
  }
  const kept = new Map<number, Set<string>>()
  const nodes = new Map<string, PathNode>()
  for (const [step, counts] of [...perStep].sort(([a], [b]) => a - b)) {
    const ranked = [...counts].sort(([pa, a], [pb, b]) => b - a || (pa < pb ? -1 : pa > pb ? 1 : 0))
    kept.set(step, new Set(ranked.slice(0, query.limit).map(([page]) => page)))
  }
  const nodeId = (pages: readonly string[], i: number) => {
    const step = stepOf(pages, i)
    const page = kept.get(step)!.has(pages[i]!) ? pages[i]! : OTHER_PAGE
    return { id: `${step}:${page}`, step, page }
  }
  const links = new Map<string, { source: string; target: string; sessions: number }>()
  for (const { pages, sessions } of paths) {
    pages.forEach((_, i) => {
      const node = nodeId(pages, i)
      const entry = nodes.get(node.id) ?? { ...node, sessions: 0 }
      entry.sessions += sessions
      nodes.set(node.id, entry)
      if (i === 0) return
      const source = nodeId(pages, i - 1).id
      const key = `${source}\n${node.id}`
      const link = links.get(key) ?? { source, target: node.id, sessions: 0 }
      link.sessions += sessions
      links.set(key, link)
    })
  }
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  return {
    direction: query.direction,
    page: query.page,
    depth: query.depth,
    sessions: paths.reduce((sum, path) => sum + path.sessions, 0),
    nodes: [...nodes.values()].sort(
      (a, b) => a.step - b.step || b.sessions - a.sessions || byId(a, b),
    ),
    links: [...links.values()].sort(
      (a, b) =>
        b.sessions - a.sessions ||
        (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) ||
        (a.target < b.target ? -1 : a.target > b.target ? 1 : 0),
    ),
    paths: [...paths].sort(comparePaths).slice(0, query.limit),
  }
}

/**
 * The most common page sequences within sessions from or to a page (a Sankey's nodes and
 * links, and the top paths), exact: every session of the range is read.
 *
 * @throws RangeError when the range is malformed.
 */
export async function userPaths(
  store: EventStore,
  query: PathsQuery,
  range: StatsRange,
  filters: StatsFilters,
): Promise<UserPaths> {
  const rows = await store.query<{ path: string[]; sessions: number | string }>(
    PATHS_SQL[query.direction],
    { ...zonedRangeParams(range), ...filters, page: query.page, depth: query.depth },
  )
  return toSankey(
    query,
    rows.map((row) => ({ pages: row.path, sessions: Number(row.sessions) })),
  )
}
