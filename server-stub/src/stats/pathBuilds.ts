import { randomUUID } from 'node:crypto'
import type { EventStore } from '../types'
import { firstRetainedDay } from './overviewSnapshot'
import {
  VIEWS_SQL,
  VISITED_SQL,
  anchorSql,
  dedupSql,
  sliceSql,
  type PathDirection,
} from './pathsSql'
import type { StatsFilters } from './statsFilters'

/**
 * Kept builds of `GET /api/stats/paths` (docs/decisions.md, "Paths"): reading every session of
 * 30 days for one anchor took 0.6–0.9 s over 10M events, so the work that does not depend on
 * the anchor is done once per range, zone and filters and stored:
 *
 * - the pages of every session, from its views up to a **cutoff** (an hour before the build),
 *   in `path_sessions`;
 * - from those, the paths of every anchor page at once, per direction and depth, counted, in
 *   `path_counts` (~400k rows over 30 days of 10M events; one anchor's are read by the key).
 *
 * An answer is the kept counts of its anchor, corrected by the sessions with a view after the
 * cutoff (the "open" sessions, a few thousand): their kept (truncated) paths are taken away and
 * their whole paths, from their kept pages followed by their later views, added. That is exact
 * for any session ids, as long as the views at or before the cutoff are still those the build
 * read — a late event (an SDK that was offline) sends the request to a new build — and no
 * erasure happened since (builds started before one are never used).
 */

/** The cutoff of a build: views up to an hour before it began, so events still in flight are after it. */
export const PATHS_CUTOFF_LAG_MS = 3_600_000

/** A build whose cutoff is this much behind the one a new build would take is rebuilt, in the background. */
export const PATHS_REFRESH_MS = 3_600_000

/** A build is used for 5 hours at most (the tables' TTL drops it whole after 6). */
export const PATHS_MAX_AGE_HOURS = 5

/**
 * After a build of a scope failed (a statement over the client's request timeout on a big
 * ClickHouse server, a memory limit), its requests read the events directly for this long
 * before one tries to build again.
 */
export const PATHS_RETRY_MS = 10 * 60_000

/**
 * Rows stored up to this long before a build began might not have been visible to it yet (an
 * insert in flight); rows stored earlier certainly were.
 */
const STORED_MARGIN_MINUTES = 10

const DAY_MS = 86_400_000

/** The range, zone and filters of a build, as the SQL's parameters (zonedRangeParams + filters). */
export interface PathsScope extends StatsFilters {
  from: string
  to: string
  from_utc: string
  to_utc: string
  tz: string
}

/** A kept build, as {@link pathBuild} returns it for {@link keptPaths}. */
export interface PathBuild {
  id: string
  /** Views up to this time (ms) are in the build. */
  cutoff: number
  /** When it began (ClickHouse's clock, `YYYY-MM-DD hh:mm:ss.ffffff`). */
  startedAt: string
  /** Rows stored since (a margin before `startedAt`) may be unseen by it. */
  since: string
  /** The fingerprint of the views in the build stored since `since` (see LATE_VIEWS_SQL). */
  seen: string
  /** `sessions`, and `<direction>:<depth>` for every direction and depth counted. */
  parts: Set<string>
}

const CUTOFF = `fromUnixTimestamp64Milli({cutoff:Int64}, 'UTC')`

/** The fingerprint of a set of views: a sum of their ids' hashes (order-blind, mod 2^64). */
const fingerprintSql = (condition: string) => `sumIf(cityHash64(event_id), ${condition})`

const SINCE = `{since:DateTime64(6, 'UTC')}`

/**
 * The pages of every session of the scope, from its views up to the cutoff, with the
 * fingerprint of those of its views stored since `{since}` — read in the same pass, so the
 * build's fingerprint is of exactly the rows it saw.
 */
const SESSIONS_BUILD_SQL = `
INSERT INTO path_sessions (build_id, session_id, pages, seen)
SELECT {build:UUID}, session_id, ${dedupSql('visited')}, seen
FROM (
  SELECT session_id, ${VISITED_SQL} AS visited, ${fingerprintSql(`stored_at >= ${SINCE}`)} AS seen
  FROM events
  WHERE ${VIEWS_SQL} AND timestamp <= ${CUTOFF}
  GROUP BY session_id
)`

/** The paths of every anchor page of every kept session, counted. */
const countsBuildSql = (direction: PathDirection) => `
INSERT INTO path_counts (build_id, direction, depth, anchor, path, sessions)
SELECT {build:UUID}, '${direction}', {depth:UInt32}, page, path, count()
FROM (
  SELECT page, ${anchorSql(direction, 'page')} AS anchor, ${sliceSql(direction, '{depth:UInt32}')} AS path
  FROM path_sessions
  ARRAY JOIN arrayDistinct(pages) AS page
  WHERE build_id = {build:UUID}
)
GROUP BY page, path`

const COUNTS_BUILD_SQL = { from: countsBuildSql('from'), to: countsBuildSql('to') } as const

/** Written once a part of a build is stored whole. */
const PART_SQL = `
INSERT INTO path_builds (build_id, from_date, to_date, tz, app_id, platform, cutoff, started_at,
  since, seen, part)
SELECT {build:UUID}, {from:Date}, {to:Date}, {tz:String}, {app_id:String}, {platform:String},
  ${CUTOFF}, {started_at:DateTime64(6, 'UTC')}, ${SINCE}, {seen:UInt64}, {part:String}`

/**
 * The fingerprint of the views at or before `cutoff` stored since `since`, as they are now: a
 * view at or before the cutoff stored after the build read the events (a late event, from an
 * SDK that was offline) changes it, and so does one removed. Rows stored earlier were all seen
 * by the build; the stored_at index skips the granules that hold only those.
 */
const lateFingerprintSql = (since: string, cutoff: string) => `
SELECT toString(${fingerprintSql('1')})
FROM events
WHERE ${VIEWS_SQL} AND stored_at >= ${since} AND timestamp <= ${cutoff}`

/** {@link lateFingerprintSql} of a build whose cutoff and since are parameters. */
const LATE_VIEWS_SQL = `SELECT (${lateFingerprintSql(SINCE, CUTOFF)}) AS seen`

/**
 * The newest usable build of the scope (built within the max age, started after every
 * erasure) and, in the same statement, its fingerprint as the views are now; a row of defaults
 * (`id` '') when there is none.
 */
const STORED_BUILD_SQL = `
WITH (
  SELECT (toString(build_id), toUnixTimestamp64Milli(any(cutoff)), toString(any(started_at)),
    any(since), toString(any(seen)), groupArray(part))
  FROM path_builds
  WHERE from_date = {from:Date} AND to_date = {to:Date} AND tz = {tz:String}
    AND app_id = {app_id:String} AND platform = {platform:String}
    AND built_at > now64(3) - INTERVAL ${PATHS_MAX_AGE_HOURS} HOUR
    AND started_at > (SELECT max(erased_at) FROM erasures)
  GROUP BY build_id
  HAVING has(groupArray(part), 'sessions')
  ORDER BY any(cutoff) DESC, min(built_at) DESC
  LIMIT 1
) AS build
SELECT build.1 AS id, build.2 AS cutoff_ms, build.3 AS started, toString(build.4) AS since_time,
  build.5 AS seen_sum, build.6 AS parts,
  if(build.1 = '', '', (${lateFingerprintSql('build.4', "fromUnixTimestamp64Milli(build.2, 'UTC')")})) AS seen_now`

/** The open sessions' views after the cutoff (the index narrows them by event_date). */
const LATER_VIEWS = `${VIEWS_SQL} AND event_date >= toDate(${CUTOFF}) AND timestamp > ${CUTOFF}`

/**
 * The paths of `{page}` from a build: its kept counts, minus the kept paths of the sessions
 * with a view after the cutoff, plus their whole paths. A session without kept pages (it began
 * after the cutoff) is joined to none: `[]`, no anchor, nothing taken away. The build's
 * sessions are the join's left side, filtered at read by the few later sessions on the right
 * (ClickHouse's join runtime filter), so the events after the cutoff are read once (an
 * `IN (subquery)` on the build read them twice: ~165 vs ~130 ms over 30 days of 10M events).
 */
const answerSql = (direction: PathDirection) => `
SELECT path, sum(n) AS sessions
FROM (
  SELECT path, toInt64(sessions) AS n
  FROM path_counts
  WHERE build_id = {build:UUID} AND direction = '${direction}' AND depth = {depth:UInt32}
    AND anchor = {page:String}
  UNION ALL
  SELECT path, n
  FROM (
    SELECT n, ${anchorSql(direction, '{page:String}')} AS anchor,
      ${sliceSql(direction, '{depth:UInt32}')} AS path
    FROM (
      SELECT kept.pages AS truncated, arrayConcat(kept.pages, later.visited) AS joined,
        ${dedupSql('joined')} AS whole
      FROM (SELECT session_id, pages FROM path_sessions WHERE build_id = {build:UUID}) AS kept
      RIGHT JOIN (
        SELECT session_id, ${VISITED_SQL} AS visited FROM events
        WHERE ${LATER_VIEWS}
        GROUP BY session_id
      ) AS later ON kept.session_id = later.session_id
    )
    ARRAY JOIN [truncated, whole] AS pages, [-1, 1] AS n
  )
  WHERE anchor > 0
)
GROUP BY path
HAVING sessions != 0`

const ANSWER_SQL = { from: answerSql('from'), to: answerSql('to') } as const

/** When a build of each scope last failed, per store (real time, ms). */
const failedBuilds = new WeakMap<EventStore, Map<string, number>>()

/** Builds and counts in flight per store, so that concurrent requests do the work once. */
const inFlight = new WeakMap<EventStore, Map<string, Promise<PathBuild>>>()

/** Runs `work` under `key` unless it is already running; the promise settles for every caller. */
function once(store: EventStore, key: string, work: () => Promise<PathBuild>): Promise<PathBuild> {
  let running = inFlight.get(store)
  if (!running) inFlight.set(store, (running = new Map()))
  const current = running.get(key)
  if (current) return current
  const done = work().finally(() => running.delete(key))
  running.set(key, done)
  return done
}

const scopeKey = (scope: PathsScope) =>
  JSON.stringify([scope.from, scope.to, scope.tz, scope.app_id, scope.platform])

/**
 * Whether a build may answer for `scope` at `now`: a range with both ends whose days the TTL
 * does not remove (the build would miss the removal), or `false` to read the events directly.
 */
export function keepsPaths(
  scope: PathsScope,
  bounded: boolean,
  now: number,
  retentionDays?: number,
): boolean {
  const today = new Date(now).toISOString().slice(0, 10)
  return bounded && scope.from_utc >= firstRetainedDay(today, retentionDays)
}

/** The cutoff a new build takes: an hour ago, or a bound past the range's last day in any zone. */
function wantedCutoff(scope: PathsScope, now: number): number {
  return Math.min(now - PATHS_CUTOFF_LAG_MS, Date.parse(`${scope.to}T00:00:00Z`) + 2 * DAY_MS)
}

/** The newest usable build of `scope`, and whether views stored late changed it since. */
async function storedBuild(
  store: EventStore,
  scope: PathsScope,
): Promise<{ build: PathBuild; late: boolean } | undefined> {
  const [row] = await store.query<{
    id: string
    cutoff_ms: number | string
    started: string
    since_time: string
    seen_sum: string
    parts: string[]
    seen_now: string
  }>(STORED_BUILD_SQL, { ...scope })
  if (!row || row.id === '') return undefined
  const build = {
    id: row.id,
    cutoff: Number(row.cutoff_ms),
    startedAt: row.started,
    since: row.since_time,
    seen: row.seen_sum,
    parts: new Set(row.parts),
  }
  return { build, late: row.seen_now !== build.seen }
}

/** Whether views stored late changed `build` since it read the events. */
async function hasLateViews(
  store: EventStore,
  scope: PathsScope,
  build: PathBuild,
): Promise<boolean> {
  const [row] = await store.query<{ seen: string }>(LATE_VIEWS_SQL, {
    ...scope,
    cutoff: build.cutoff,
    since: build.since,
  })
  return (row?.seen ?? '0') !== build.seen
}

/** The name of a counted part: `<direction>:<depth>`. */
const partName = (direction: PathDirection, depth: number) => `${direction}:${depth}`

/** Counts `build`'s paths for every anchor in the part's direction and depth, and records it. */
async function countPart(
  store: EventStore,
  scope: PathsScope,
  build: PathBuild,
  part: string,
): Promise<void> {
  const [direction, depth] = part.split(':') as [PathDirection, string]
  const params = {
    ...scope,
    build: build.id,
    depth: Number(depth),
    cutoff: build.cutoff,
    started_at: build.startedAt,
    since: build.since,
    seen: build.seen,
  }
  await store.command(COUNTS_BUILD_SQL[direction], params)
  await store.command(PART_SQL, { ...params, part })
  build.parts.add(part)
}

/** A build during which an erasure ran: never used, its sessions already deleted. */
class ErasedDuringBuild extends Error {
  constructor() {
    super('an erasure ran while this paths build did: it is not used')
    this.name = 'ErasedDuringBuild'
  }
}

/**
 * An erasure empties the kept builds (stats/eraseUser.ts), but a build that read the events
 * before the erasure deleted them may store its sessions after that: the erased person's
 * session ids and pages would stay until the TTL, hours later. Such a build is never used
 * (it started before the audit row), so its sessions are deleted here, at once. The audit row
 * is written before the erasure empties the tables, so a build whose rows landed after that
 * sees it here; one whose rows landed before is emptied by the erasure.
 *
 * @throws ErasedDuringBuild when an erasure was recorded since the build began.
 */
async function dropIfErasedMeanwhile(
  store: EventStore,
  params: { build: string; started_at: string },
): Promise<void> {
  const [erased] = await store.query<{ n: number | string }>(
    `SELECT count() AS n FROM erasures WHERE erased_at >= {started_at:DateTime64(6, 'UTC')}`,
    params,
  )
  if (Number(erased?.n ?? 0) === 0) return
  await store.command(`DELETE FROM path_sessions WHERE build_id = {build:UUID}`, params)
  throw new ErasedDuringBuild()
}

/**
 * A new build of `scope`'s sessions with views up to `cutoff`, with the `counted` parts (a
 * refresh counts what the build it replaces had, so no request waits for them). Its `sessions`
 * row is written last: from then on requests use it.
 */
async function buildSessions(
  store: EventStore,
  scope: PathsScope,
  cutoff: number,
  counted: readonly string[] = [],
): Promise<PathBuild> {
  const [clock] = await store.query<{ started: string; since: string }>(
    `SELECT toString(now64(6)) AS started,
       toString(now64(6) - INTERVAL ${STORED_MARGIN_MINUTES} MINUTE) AS since`,
  )
  const { started, since } = clock!
  const id = randomUUID()
  const params = { ...scope, build: id, cutoff, started_at: started, since }
  await store.command(SESSIONS_BUILD_SQL, params)
  await dropIfErasedMeanwhile(store, params)
  const [seen] = await store.query<{ seen: string }>(
    `SELECT toString(sum(seen)) AS seen FROM path_sessions WHERE build_id = {build:UUID}`,
    params,
  )
  const build: PathBuild = {
    id,
    cutoff,
    startedAt: started,
    since,
    seen: seen!.seen,
    parts: new Set(),
  }
  for (const part of counted) await countPart(store, scope, build, part)
  await store.command(PART_SQL, { ...params, seen: build.seen, part: 'sessions' })
  build.parts.add('sessions')
  return build
}

/** Counts `build`'s paths for every anchor in `direction` at `depth`, once. */
async function buildCounts(
  store: EventStore,
  scope: PathsScope,
  build: PathBuild,
  direction: PathDirection,
  depth: number,
): Promise<void> {
  const part = partName(direction, depth)
  if (build.parts.has(part)) return
  await once(store, `${build.id} ${part}`, async () => {
    await countPart(store, scope, build, part)
    return build
  })
  build.parts.add(part)
}

/**
 * A usable build of `scope` with `direction`:`depth` counted, or `undefined` when the caller
 * must read the events directly: even a new build met late views, or building failed (then
 * for {@link PATHS_RETRY_MS} no request of the scope tries again). Starts a newer build in the
 * background when the one used has fallen {@link PATHS_REFRESH_MS} behind.
 *
 * @param onBuildError - Told of a build or refresh that failed (the request is answered anyway),
 *   so that the server can log it.
 * @throws what the store throws when reading the stored build (the direct query would fail too).
 */
export async function pathBuild(
  store: EventStore,
  scope: PathsScope,
  direction: PathDirection,
  depth: number,
  now: number,
  onBuildError: (error: unknown) => void = () => undefined,
): Promise<PathBuild | undefined> {
  const cutoff = wantedCutoff(scope, now)
  const key = scopeKey(scope)
  let failures = failedBuilds.get(store)
  if (!failures) failedBuilds.set(store, (failures = new Map()))
  const stored = await storedBuild(store, scope)
  let build = stored && !stored.late ? stored.build : undefined
  const failedAt = failures.get(key)
  if (!build && failedAt !== undefined && Date.now() - failedAt < PATHS_RETRY_MS) return undefined
  // Tells the caller of a real failure. A throwing callback must neither fail a request that
  // the events still answer nor become an unhandled rejection of the background refresh.
  const report = (error: unknown) => {
    if (error instanceof ErasedDuringBuild) return
    try {
      onBuildError(error)
    } catch {
      // The callback's own failure has nowhere to go.
    }
  }
  try {
    if (!build) {
      build = await once(store, key, () => buildSessions(store, scope, cutoff))
      // A build joined in flight, or this one, may have missed views stored while it ran.
      if (await hasLateViews(store, scope, build)) return undefined
    } else if (build.cutoff < cutoff - PATHS_REFRESH_MS) {
      // Answers stay exact on the old build; a newer one keeps the open sessions few. A failed
      // refresh leaves the old build in use, and the next request starts another.
      const counted = [...build.parts].filter((part) => part !== 'sessions')
      once(store, key, () => buildSessions(store, scope, cutoff, counted)).catch(report)
    }
    await buildCounts(store, scope, build, direction, depth)
    failures.delete(key)
    return build
  } catch (error) {
    // The answer does not need a build: the direct query gives the same one, slower. After an
    // erasure the next request simply builds again.
    if (!(error instanceof ErasedDuringBuild)) failures.set(key, Date.now())
    report(error)
    return undefined
  }
}

/**
 * The distinct paths of `{page}` from a build (see the module comment): rows of `path` and
 * `sessions`, like the direct query's.
 */
export function keptPaths(
  store: EventStore,
  scope: PathsScope,
  build: PathBuild,
  query: { direction: PathDirection; page: string; depth: number },
): Promise<{ path: string[]; sessions: number | string }[]> {
  return store.query(ANSWER_SQL[query.direction], {
    ...scope,
    build: build.id,
    cutoff: build.cutoff,
    page: query.page,
    depth: query.depth,
  })
}
