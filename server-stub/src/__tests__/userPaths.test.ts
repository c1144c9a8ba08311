// GET /api/stats/paths against a reference written independently in plain JS, over seeded
// random sessions in the real ClickHouse engine: ties in time, reloads, replayed duplicates,
// sessions without an id, other apps, platforms, days and events mixed in.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsumerHandler } from '../consumer'
import { createHttpServer, listenHttp } from '../http/createHttpServer'
import { silentLogger } from '../http/logger'
import { NO_FILTERS, type StatsFilters } from '../stats/statsFilters'
import { eraseUser } from '../stats/eraseUser'
import { PATHS_CUTOFF_LAG_MS } from '../stats/pathBuilds'
import { statsRoutes } from '../stats/statsRoutes'
import { userPaths, type PathsQuery } from '../stats/userPaths'
import { createChdbStore } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { acceptedEvent } from './fixtures'

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SEED = 20261202
const DAY = 86_400_000
const BASE = Math.floor(Date.now() / DAY) * DAY - 5 * DAY
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const PAGES = ['/home', '/onchain', '/a1', '/a2', '/rewards', '/profile', '/search', '/help']

const rand = random(SEED)
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!
const hex = (n: number) =>
  Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('')
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`

/** The stored page views, as the reference sees them. */
const views: AcceptedEvent[] = []
const others: AcceptedEvent[] = []
for (let s = 0; s < 400; s++) {
  const session = rand() < 0.05 ? '' : `sess_${s}`
  const app_id = rand() < 0.7 ? 'onchain' : 'reco'
  const platform = pick(['web', 'ios', 'android'] as const)
  let t = BASE + Math.floor(rand() * 4) * DAY + Math.floor(rand() * DAY * 0.9)
  const length = 1 + Math.floor(rand() * 12)
  for (let v = 0; v < length; v++) {
    // Same-millisecond views (ordered by event_id), reloads of the page just seen.
    t += rand() < 0.15 ? 0 : 1 + Math.floor(rand() * 60_000)
    const page = rand() < 0.1 && views.length ? views[views.length - 1]!.page : pick(PAGES)
    const event = acceptedEvent(
      'page_view',
      { page_name: page },
      {
        event_id: uuid(),
        timestamp: t,
        page,
        session_id: session,
        app_id,
        platform,
        user_id: `u${s % 97}`,
      },
    )
    views.push(event)
    if (rand() < 0.05) views.push({ ...event }) // a replayed duplicate row
    if (rand() < 0.2) {
      others.push(
        acceptedEvent(
          'click',
          { element_id: 'x' },
          { timestamp: t, page: pick(PAGES), session_id: session, app_id, platform },
        ),
      )
    }
  }
}

/** The reference: the rules of docs/stats-api.md, step by step, from the raw rows. */
function reference(query: PathsQuery, from: string, to: string, filters: StatsFilters) {
  const sessions = new Map<string, AcceptedEvent[]>()
  const seen = new Set<string>()
  for (const view of views) {
    if (view.session_id === '' || day(view.timestamp) < from || day(view.timestamp) > to) continue
    if (filters.app_id && view.app_id !== filters.app_id) continue
    if (filters.platform && view.platform !== filters.platform) continue
    if (seen.has(view.event_id)) continue // a duplicate row is the same event
    seen.add(view.event_id)
    const list = sessions.get(view.session_id) ?? []
    list.push(view)
    sessions.set(view.session_id, list)
  }
  const counts = new Map<string, number>()
  for (const list of sessions.values()) {
    list.sort((a, b) => a.timestamp - b.timestamp || (a.event_id < b.event_id ? -1 : 1))
    const pages: string[] = []
    for (const view of list) if (pages[pages.length - 1] !== view.page) pages.push(view.page)
    let path: string[]
    if (query.direction === 'from') {
      const at = pages.indexOf(query.page)
      if (at < 0) continue
      path = pages.slice(at, at + query.depth)
    } else {
      const at = pages.lastIndexOf(query.page)
      if (at < 0) continue
      path = pages.slice(Math.max(0, at - query.depth + 1), at + 1)
    }
    const key = JSON.stringify(path)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const all = [...counts].map(([key, n]) => ({ pages: JSON.parse(key) as string[], sessions: n }))
  // Step of the i-th page: distance from the anchor.
  const step = (p: string[], i: number) => (query.direction === 'from' ? i : p.length - 1 - i)
  const atStep = new Map<string, number>()
  for (const p of all)
    p.pages.forEach((page, i) => {
      const k = `${step(p.pages, i)}|${page}`
      atStep.set(k, (atStep.get(k) ?? 0) + p.sessions)
    })
  const keptPages = new Set<string>()
  const steps = new Set([...atStep.keys()].map((k) => Number(k.split('|')[0])))
  for (const s of steps) {
    const ranked = [...atStep]
      .filter(([k]) => Number(k.split('|')[0]) === s)
      .map(([k, n]) => [k.slice(k.indexOf('|') + 1), n] as const)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    for (const [page] of ranked.slice(0, query.limit)) keptPages.add(`${s}|${page}`)
  }
  const node = (p: string[], i: number) => {
    const s = step(p, i)
    return `${s}:${keptPages.has(`${s}|${p[i]}`) ? p[i] : '(other)'}`
  }
  const nodes: Record<string, number> = {}
  const links: Record<string, number> = {}
  for (const p of all) {
    for (let i = 0; i < p.pages.length; i++) {
      nodes[node(p.pages, i)] = (nodes[node(p.pages, i)] ?? 0) + p.sessions
      if (i > 0) {
        const k = `${node(p.pages, i - 1)} -> ${node(p.pages, i)}`
        links[k] = (links[k] ?? 0) + p.sessions
      }
    }
  }
  const top = [...all]
    .sort((a, b) => {
      if (a.sessions !== b.sessions) return b.sessions - a.sessions
      const n = Math.min(a.pages.length, b.pages.length)
      for (let i = 0; i < n; i++)
        if (a.pages[i] !== b.pages[i]) return a.pages[i]! < b.pages[i]! ? -1 : 1
      return a.pages.length - b.pages.length
    })
    .slice(0, query.limit)
  return { sessions: all.reduce((n, p) => n + p.sessions, 0), nodes, links, top }
}

let dir: string
let store: EventStore
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-paths-'))
  store = createChdbStore(dir)
  await store.migrate()
  const handler = createConsumerHandler(store)
  // In several inserts, as batches arrive, so rows of one session sit in different parts.
  const rows = [...views, ...others]
  for (let i = 0; i < rows.length; i += 700) await handler.handle(rows.slice(i, i + 700))
}, 60_000)
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('GET /api/stats/paths, exact against the reference', () => {
  const cases: [PathsQuery, string, string, StatsFilters][] = [
    [
      { direction: 'from', page: '/home', depth: 4, limit: 10 },
      day(BASE),
      day(BASE + 4 * DAY),
      NO_FILTERS,
    ],
    [
      { direction: 'to', page: '/rewards', depth: 4, limit: 10 },
      day(BASE),
      day(BASE + 4 * DAY),
      NO_FILTERS,
    ],
    [
      { direction: 'from', page: '/onchain', depth: 6, limit: 3 },
      day(BASE + DAY),
      day(BASE + 2 * DAY),
      NO_FILTERS,
    ],
    [
      { direction: 'to', page: '/a1', depth: 3, limit: 2 },
      day(BASE),
      day(BASE + 4 * DAY),
      { app_id: 'onchain', platform: '' },
    ],
    [
      { direction: 'from', page: '/search', depth: 2, limit: 5 },
      day(BASE),
      day(BASE + 4 * DAY),
      { app_id: '', platform: 'ios' },
    ],
    [
      { direction: 'to', page: '/help', depth: 8, limit: 50 },
      day(BASE + 2 * DAY),
      day(BASE + 3 * DAY),
      { app_id: 'reco', platform: 'web' },
    ],
  ]
  it.each(cases)('%j from %s to %s, filters %j', async (query, from, to, filters) => {
    const expected = reference(query, from, to, filters)
    expect(expected.sessions).toBeGreaterThan(0)
    const answer = await userPaths(store, query, { from, to, tz: 'UTC' }, filters)
    expect(answer.sessions).toBe(expected.sessions)
    expect(answer.paths).toEqual(expected.top)
    expect(Object.fromEntries(answer.nodes.map((n) => [n.id, n.sessions]))).toEqual(expected.nodes)
    expect(
      Object.fromEntries(answer.links.map((l) => [`${l.source} -> ${l.target}`, l.sessions])),
    ).toEqual(expected.links)
    for (const n of answer.nodes) expect(n.id).toBe(`${n.step}:${n.page}`)
  })

  it('answers an empty Sankey for a page nobody viewed', async () => {
    const answer = await userPaths(
      store,
      { direction: 'from', page: '/nowhere', depth: 3, limit: 5 },
      { tz: 'UTC' },
      NO_FILTERS,
    )
    expect(answer).toMatchObject({ sessions: 0, nodes: [], links: [], paths: [] })
  })
})

/** The answer's numbers, as the reference gives them. */
function numbers(answer: Awaited<ReturnType<typeof userPaths>>) {
  return {
    sessions: answer.sessions,
    nodes: Object.fromEntries(answer.nodes.map((n) => [n.id, n.sessions])),
    links: Object.fromEntries(answer.links.map((l) => [`${l.source} -> ${l.target}`, l.sessions])),
    top: answer.paths,
  }
}

/** The store, except that a build's sessions INSERT fails with `message`. */
function failingSessionsInsert(message: string): EventStore {
  return {
    ...store,
    command: (sql, params) =>
      sql.includes('INSERT INTO path_sessions')
        ? Promise.reject(new Error(message))
        : store.command(sql, params),
  }
}

/** The sessions builds of one range (path_builds), oldest first. */
async function builds(from: string, to: string) {
  return store.query<{ id: string; cutoff: string }>(
    `SELECT toString(build_id) AS id, toString(cutoff) AS cutoff FROM path_builds
     WHERE from_date = {from:Date} AND to_date = {to:Date} AND part = 'sessions'
     ORDER BY built_at`,
    { from, to },
  )
}

describe('GET /api/stats/paths from kept builds (stats/pathBuilds.ts), exact against the reference', () => {
  // A range of its own (the data ends before its last day), so that no earlier build serves it.
  const from = day(BASE)
  const to = day(BASE + 5 * DAY)
  const queries: PathsQuery[] = [
    { direction: 'from', page: '/home', depth: 4, limit: 10 },
    { direction: 'to', page: '/rewards', depth: 3, limit: 5 },
    { direction: 'from', page: '/a2', depth: 8, limit: 50 },
    { direction: 'to', page: '/onchain', depth: 6, limit: 50 },
  ]
  const check = async (now: number) => {
    for (const query of queries) {
      const expected = reference(query, from, to, NO_FILTERS)
      expect(expected.sessions).toBeGreaterThan(0)
      const answer = await userPaths(store, query, { from, to, tz: 'UTC' }, NO_FILTERS, { now })
      expect(numbers(answer), JSON.stringify(query)).toEqual(expected)
    }
  }
  // The build's cutoff falls in the middle of the data, just after the first view of a session
  // of three pages or more: sessions cut by it, and sessions after it.
  const bySession = new Map<string, AcceptedEvent[]>()
  for (const v of views) bySession.set(v.session_id, [...(bySession.get(v.session_id) ?? []), v])
  const split = [...bySession].find(
    ([id, list]) =>
      id !== '' &&
      list[0]!.timestamp > BASE + 2 * DAY &&
      new Set(list.map((v) => v.page)).size >= 3 &&
      list[1]!.timestamp > list[0]!.timestamp,
  )![1]
  const cutoff = split[0]!.timestamp
  const now = cutoff + PATHS_CUTOFF_LAG_MS

  it('answers from a build cut in the middle of sessions, with those sessions corrected', async () => {
    const open = views.filter((v) => v.timestamp > cutoff && v.session_id !== '')
    const cut = new Set(
      views.filter((v) => v.timestamp <= cutoff && v.session_id !== '').map((v) => v.session_id),
    )
    // The case it must get right: sessions with views on both sides of the cutoff.
    expect(open.filter((v) => cut.has(v.session_id)).length).toBeGreaterThan(0)
    await check(now)
    const made = await builds(from, to)
    expect(made).toHaveLength(1)
    expect(Date.parse(`${made[0]!.cutoff}Z`)).toBe(cutoff)
    const [counted] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM path_counts WHERE build_id = {id:UUID}`,
      { id: made[0]!.id },
    )
    expect(Number(counted!.n)).toBeGreaterThan(0)
  })

  it('counts a view stored late, before the cutoff, by building again', async () => {
    const session = views.find((v) => v.timestamp < cutoff - 3_600_000 && v.session_id !== '')!
    const late = [
      // Into a session already kept, between its views.
      acceptedEvent(
        'page_view',
        {},
        {
          ...session,
          event_id: uuid(),
          timestamp: session.timestamp + 1,
          received_at: session.timestamp + 50,
          page: '/late',
        },
      ),
      // A whole session of its own, before the cutoff.
      ...['/home', '/late', '/rewards'].map((page, i) =>
        acceptedEvent(
          'page_view',
          {},
          {
            ...session,
            event_id: uuid(),
            session_id: 'late_session',
            timestamp: cutoff - 9_000 + i,
            received_at: cutoff,
            page,
          },
        ),
      ),
    ]
    views.push(...late)
    await createConsumerHandler(store).handle(late)
    await check(now)
    expect(await builds(from, to)).toHaveLength(2)
  })

  it('keeps answering exactly while a newer build is made in the background', async () => {
    const later = now + 3 * PATHS_CUTOFF_LAG_MS
    await check(later)
    // The refresh: a third build, with the later cutoff.
    for (let i = 0; i < 100 && (await builds(from, to)).length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const made = await builds(from, to)
    expect(made).toHaveLength(3)
    expect(Date.parse(`${made[2]!.cutoff}Z`)).toBe(later - PATHS_CUTOFF_LAG_MS)
    // It counted what the build it replaces had, before it became usable.
    const parts = await store.query<{ part: string }>(
      `SELECT part FROM path_builds WHERE build_id = {id:UUID} ORDER BY part`,
      { id: made[2]!.id },
    )
    expect(parts.map((row) => row.part)).toEqual(['from:4', 'from:8', 'sessions', 'to:3', 'to:6'])
    await check(later)
  })

  it('keeps the older build, and says so, when a refresh fails', async () => {
    const failing = failingSessionsInsert('MEMORY_LIMIT_EXCEEDED')
    const reported: unknown[] = []
    const latest = now + 6 * PATHS_CUTOFF_LAG_MS
    for (const query of queries) {
      const answer = await userPaths(failing, query, { from, to, tz: 'UTC' }, NO_FILTERS, {
        now: latest,
        onBuildError: (error) => reported.push(error),
      })
      expect(numbers(answer), JSON.stringify(query)).toEqual(reference(query, from, to, NO_FILTERS))
    }
    for (let i = 0; i < 100 && reported.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect((reported[0] as Error).message).toBe('MEMORY_LIMIT_EXCEEDED')
    // No new build: every answer came from the one the previous test made.
    expect(await builds(from, to)).toHaveLength(3)
  })

  it('reads the events directly for a range reaching days the TTL may remove', async () => {
    // TRACKPOINT_RETENTION_DAYS=2: the range's first days may lose rows at any merge, which a
    // build would not see.
    const wide = day(BASE + 6 * DAY)
    const query: PathsQuery = { direction: 'from', page: '/home', depth: 4, limit: 10 }
    const answer = await userPaths(store, query, { from, to: wide, tz: 'UTC' }, NO_FILTERS, {
      retentionDays: 2,
    })
    expect(numbers(answer)).toEqual(reference(query, from, wide, NO_FILTERS))
    expect(await builds(from, wide)).toHaveLength(0)
    // The same range within the retention is built.
    await userPaths(store, query, { from, to: wide, tz: 'UTC' }, NO_FILTERS)
    expect(await builds(from, wide)).toHaveLength(1)
  })

  it('answers directly, and stops trying for a while, when a build fails', async () => {
    // The client gives up on the build's INSERT as its request timeout would (the engine goes
    // on and stores the sessions, which no build row ever makes usable).
    let attempts = 0
    const timingOut: EventStore = {
      ...store,
      command: (sql, params) => {
        if (!sql.includes('INSERT INTO path_sessions')) return store.command(sql, params)
        attempts++
        store.command(sql, params).catch(() => undefined)
        return Promise.reject(new Error('Timeout error.'))
      },
    }
    const wide = day(BASE + 7 * DAY)
    const query: PathsQuery = { direction: 'to', page: '/rewards', depth: 4, limit: 10 }
    const expected = reference(query, from, wide, NO_FILTERS)
    const reported: unknown[] = []
    const onBuildError = (error: unknown) => reported.push(error)
    for (let i = 0; i < 2; i++) {
      const range = { from, to: wide, tz: 'UTC' }
      const answer = await userPaths(timingOut, query, range, NO_FILTERS, { onBuildError })
      expect(numbers(answer)).toEqual(expected)
    }
    expect(attempts).toBe(1)
    expect(await builds(from, wide)).toHaveLength(0)
    // Told once, so that the server logs it.
    expect(reported.map((error) => (error as Error).message)).toEqual(['Timeout error.'])
  })

  it('logs a failed build through the stats role, and answers 200', async () => {
    // A logger that throws too must not turn the answer into a 500.
    const failing = failingSessionsInsert('Timeout error.')
    const logged: Record<string, unknown>[] = []
    const app = createHttpServer({ logger: silentLogger })
    await app.register(statsRoutes, {
      store: failing,
      adminToken: 'a',
      logger: {
        info: () => undefined,
        error: (entry) => {
          logged.push(entry)
          throw new Error('the log sink is gone')
        },
      },
    })
    const server = await listenHttp(app)
    try {
      // A range no earlier test built.
      const wide = day(BASE + 8 * DAY)
      const response = await fetch(
        `${server.url}/api/stats/paths?start=%2Fhome&from=${from}&to=${wide}&tz=UTC`,
        { headers: { authorization: 'Bearer a' } },
      )
      expect(response.status).toBe(200)
      const query: PathsQuery = { direction: 'from', page: '/home', depth: 4, limit: 10 }
      expect(numbers(await response.json())).toEqual(reference(query, from, wide, NO_FILTERS))
      expect(logged).toEqual([
        {
          msg: 'paths build failed; answered from the events (or the older build)',
          error: 'Timeout error.',
        },
      ])
    } finally {
      await server.close()
    }
  })

  it('uses no build started before an erasure', async () => {
    const erased = views.find((v) => v.session_id !== '' && v.timestamp < cutoff)!.user_id
    await eraseUser(store, erased, { requestedBy: 'test', salt: 'salt' })
    views.splice(0, views.length, ...views.filter((v) => v.user_id !== erased))
    await check(now)
    // The erasure emptied the builds; the answer made a new one.
    expect(await builds(from, to)).toHaveLength(1)
  })

  it('leaves no sessions of a build whose rows landed after an erasure emptied the tables', async () => {
    // The race: a build began, an erasure ran to its end (events deleted, audit row, tables
    // emptied), and only then were the build's sessions stored.
    const erased = views.find((v) => v.session_id !== '' && v.timestamp < cutoff)!.user_id
    const racing: EventStore = {
      ...store,
      command: async (sql, params) => {
        if (sql.includes('INSERT INTO path_sessions')) {
          await eraseUser(store, erased, { requestedBy: 'test', salt: 'salt' })
        }
        return store.command(sql, params)
      },
    }
    views.splice(0, views.length, ...views.filter((v) => v.user_id !== erased))
    const wide = day(BASE + 9 * DAY)
    const query: PathsQuery = { direction: 'from', page: '/home', depth: 4, limit: 10 }
    const reported: unknown[] = []
    const answer = await userPaths(racing, query, { from, to: wide, tz: 'UTC' }, NO_FILTERS, {
      now,
      onBuildError: (error) => reported.push(error),
    })
    expect(numbers(answer)).toEqual(reference(query, from, wide, NO_FILTERS))
    // Not a failure to log: the request read the events, and the next one builds again.
    expect(reported).toEqual([])
    // No sessions stored but those of builds usable after the erasure (none yet).
    const [unusable] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM path_sessions WHERE build_id NOT IN (
         SELECT build_id FROM path_builds WHERE part = 'sessions'
           AND started_at > (SELECT max(erased_at) FROM erasures))`,
    )
    expect(Number(unusable!.n)).toBe(0)
    await userPaths(store, query, { from, to: wide, tz: 'UTC' }, NO_FILTERS, { now })
    expect(await builds(from, wide)).toHaveLength(1)
  })
})
