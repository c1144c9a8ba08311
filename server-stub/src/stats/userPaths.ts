import type { EventStore } from '../types'
import { keepsPaths, keptPaths, pathBuild } from './pathBuilds'
import {
  VIEWS_SQL,
  VISITED_SQL,
  anchorSql,
  dedupSql,
  sliceSql,
  type PathDirection,
} from './pathsSql'
import type { StatsFilters } from './statsFilters'
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

/**
 * Every distinct path with its sessions, one statement per direction (an `if` over the
 * direction computed both slices for every session), over every session of the range
 * (stats/pathsSql.ts has the rule). The anchor is the first view of `{page}` (from) or its last
 * (to).
 *
 * Costs, measured over 30 days of 10M events (docs/decisions.md, "Paths"): the set of sessions
 * that viewed the anchor filters in PREWHERE, before the other columns are read.
 */
function pathsSql(direction: PathDirection): string {
  return `
SELECT path, count() AS sessions
FROM (
  SELECT
    ${VISITED_SQL} AS visited,
    ${dedupSql('visited')} AS pages,
    ${anchorSql(direction, '{page:String}')} AS anchor,
    ${sliceSql(direction, '{depth:UInt32}')} AS path
  FROM events
  -- Only sessions that viewed the page: a few of them, so the sort per session is cheap.
  PREWHERE session_id IN (SELECT session_id FROM events WHERE ${VIEWS_SQL} AND page = {page:String})
  WHERE ${VIEWS_SQL}
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
 * the SQL's distinct paths turned into what the chart draws. Two passes over the paths (the
 * pages per step, then nodes and links) and a bounded selection of the top ones: a month of
 * uniformly random navigation gives ~8k distinct paths per anchor, and sorting them all and
 * building each node's id twice per page cost ~60 ms of a request.
 *
 * @param paths - Every distinct path (pages in visit order) with its sessions.
 */
export function toSankey(
  query: PathsQuery,
  paths: readonly { pages: string[]; sessions: number }[],
): UserPaths {
  // The step of the i-th page of a path of `length` pages: its distance from the anchor.
  const from = query.direction === 'from'
  const stepOf = (length: number, i: number) => (from ? i : length - 1 - i)
  const perStep: Map<string, number>[] = []
  for (const { pages, sessions } of paths) {
    for (let i = 0; i < pages.length; i++) {
      const counts = (perStep[stepOf(pages.length, i)] ??= new Map())
      counts.set(pages[i]!, (counts.get(pages[i]!) ?? 0) + sessions)
    }
  }
  const kept = perStep.map((counts) => {
    const ranked = [...counts].sort(([pa, a], [pb, b]) => b - a || (pa < pb ? -1 : pa > pb ? 1 : 0))
    return new Set(ranked.slice(0, query.limit).map(([page]) => page))
  })
  const nodes = new Map<string, PathNode>()
  const links = new Map<string, { source: string; target: string; sessions: number }>()
  for (const { pages, sessions } of paths) {
    let previous: string | undefined
    for (let i = 0; i < pages.length; i++) {
      const step = stepOf(pages.length, i)
      const page = kept[step]!.has(pages[i]!) ? pages[i]! : OTHER_PAGE
      const id = `${step}:${page}`
      let node = nodes.get(id)
      if (!node) nodes.set(id, (node = { id, step, page, sessions: 0 }))
      node.sessions += sessions
      if (previous !== undefined) {
        const key = `${previous}\n${id}`
        let link = links.get(key)
        if (!link) links.set(key, (link = { source: previous, target: id, sessions: 0 }))
        link.sessions += sessions
      }
      previous = id
    }
  }
  // The first `limit` paths in comparePaths order, kept sorted while reading them once.
  const top: { pages: string[]; sessions: number }[] = []
  for (const path of query.limit > 0 ? paths : []) {
    if (top.length === query.limit && comparePaths(path, top[top.length - 1]!) >= 0) continue
    let at = top.length
    while (at > 0 && comparePaths(path, top[at - 1]!) < 0) at--
    top.splice(at, 0, path)
    if (top.length > query.limit) top.pop()
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
    paths: top,
  }
}

/** Pages per path when a request gives no `depth` (the dashboard's default too). */
export const DEFAULT_PATHS_DEPTH = 4

/** Options of {@link userPaths}. */
export interface UserPathsOptions {
  /** The time of the request (ms); builds take their cutoff from it. @default Date.now() */
  now?: number
  /** `TRACKPOINT_RETENTION_DAYS`: ranges reaching days the TTL removes are read directly. */
  retentionDays?: number
  /**
   * Told of a kept build or background refresh that failed; the answer is exact anyway (read
   * directly, or from the older build). The stats role logs it. @default ignored
   */
  onBuildError?: (error: unknown) => void
}

/**
 * The SQL parameters of a request's range and filters, and the kept build that answers it with
 * `direction`:`depth` counted — none for a range read directly (open, or reaching days the TTL
 * removes) or when even a new build met late views.
 */
async function keptBuild(
  store: EventStore,
  range: StatsRange,
  filters: StatsFilters,
  direction: PathDirection,
  depth: number,
  options: UserPathsOptions,
) {
  const scope = { ...zonedRangeParams(range), ...filters }
  const now = options.now ?? Date.now()
  const bounded = range.from !== undefined && range.to !== undefined
  const build = keepsPaths(scope, bounded, now, options.retentionDays)
    ? await pathBuild(store, scope, direction, depth, now, options.onBuildError)
    : undefined
  return { scope, build }
}

/**
 * The most common page sequences within sessions from or to a page (a Sankey's nodes and
 * links, and the top paths), exact. A range with both ends is answered from a kept build of its
 * sessions (stats/pathBuilds.ts; the first request of a range makes it, ~4 s over 30 days of
 * 10M events); any other, or when a build cannot be used, from every session of the range.
 *
 * @throws RangeError when the range is malformed.
 */
export async function userPaths(
  store: EventStore,
  query: PathsQuery,
  range: StatsRange,
  filters: StatsFilters,
  options: UserPathsOptions = {},
): Promise<UserPaths> {
  const { scope, build } = await keptBuild(
    store,
    range,
    filters,
    query.direction,
    query.depth,
    options,
  )
  const rows = build
    ? await keptPaths(store, scope, build, query)
    : await store.query<{ path: string[]; sessions: number | string }>(PATHS_SQL[query.direction], {
        ...scope,
        page: query.page,
        depth: query.depth,
      })
  return toSankey(
    query,
    rows.map((row) => ({ pages: row.path, sessions: Number(row.sessions) })),
  )
}

/**
 * Makes the kept build a first request of `range` would make (paths from a page, at the default
 * depth, as the dashboard first asks), so that it answers at once. Does nothing for a range
 * that is read directly.
 */
export async function warmUserPaths(
  store: EventStore,
  range: StatsRange,
  filters: StatsFilters,
  options: UserPathsOptions = {},
): Promise<void> {
  await keptBuild(store, range, filters, 'from', DEFAULT_PATHS_DEPTH, options)
}
