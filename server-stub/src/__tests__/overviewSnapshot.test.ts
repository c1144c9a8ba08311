import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createConsumerHandler } from '../consumer'
import {
  EXTRA_KEPT_PAGES,
  MAX_CHANGED_DAYS,
  addDays,
  firstRetainedDay,
  splitRange,
} from '../stats/overviewSnapshot'
import { overview, type StatsRange } from '../stats/queries'
import { eachDay } from '../stats/statsRange'
import { MIGRATIONS, applyMigrations, createChdbStore } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { acceptedEvent, clearEvents } from './fixtures'

/**
 * The overview's snapshots of closed days against a reference computed here from the events
 * sent: late events for closed days (a few, then many), replays, a page that climbs into the top
 * pages on the live day, concurrent first requests, and the v3 migration over existing data.
 */

const DAY = 86_400_000
const TODAY = Math.floor(Date.now() / DAY) * DAY
/** Noon today: "now" for every overview here, so that the closed days are fixed. */
const NOW = TODAY + DAY / 2
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** mulberry32: a tiny seeded PRNG, so that a failure replays. */
function prng(seed: number) {
  let a = seed >>> 0
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)
  }
}

/** `count` page views on days `firstDay`..`lastDay` days before today (0 = today, before noon). */
function pageViews(seed: number, count: number, firstDay: number, lastDay: number, pages = 6) {
  const int = prng(seed)
  return Array.from({ length: count }, () =>
    acceptedEvent(
      'page_view',
      { page_name: 'p' },
      {
        user_id: `u${int(40)}`,
        page: `/p${int(pages)}`,
        timestamp: TODAY - (lastDay + int(firstDay - lastDay + 1)) * DAY + int(DAY / 2),
      },
    ),
  )
}

function reference(events: AcceptedEvent[], range: StatsRange, topPages: number) {
  const inRange = (day: string) =>
    (range.from === undefined || day >= range.from) && (range.to === undefined || day <= range.to)
  const unique = [...new Map(events.map((e) => [e.event_id, e])).values()]
  const views = unique.filter((e) => e.event_name === 'page_view' && inRange(dayOf(e.timestamp)))
  const counts = (list: AcceptedEvent[]) => ({
    pv: list.length,
    uv: new Set(list.map((e) => e.user_id)).size,
  })
  const days = [...new Set(views.map((e) => dayOf(e.timestamp)))].sort()
  const from = range.from ?? days[0]
  const to = range.to ?? days[days.length - 1]
  return {
    ...counts(views),
    daily_stats:
      from === undefined || to === undefined
        ? []
        : eachDay(from, to).map((date) => ({
            date,
            ...counts(views.filter((e) => dayOf(e.timestamp) === date)),
          })),
    top_pages: [...new Set(views.map((e) => e.page))]
      .map((page) => ({ page, ...counts(views.filter((e) => e.page === page)) }))
      .sort((a, b) => b.pv - a.pv || (a.page < b.page ? -1 : 1))
      .slice(0, topPages),
  }
}

const builds = async (store: EventStore) =>
  Number(
    (await store.query<{ n: number }>('SELECT uniqExact(build_id) AS n FROM overview_snapshots'))[0]
      ?.n,
  )

let dir: string
let store: EventStore

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-overview-'))
  store = createChdbStore(dir)
  await store.migrate()
})

afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

beforeEach(() => clearEvents(store))

describe('overview snapshots of closed days', () => {
  const ranges: StatsRange[] = [
    {},
    { from: dayOf(TODAY - 9 * DAY), to: dayOf(TODAY) },
    { from: dayOf(TODAY - 6 * DAY), to: dayOf(TODAY - 2 * DAY) },
    { to: dayOf(TODAY - DAY) },
  ]
  // {} and { to: yesterday } share their closed days, so one build serves both.
  const closedRanges = 3
  const check = async (events: AcceptedEvent[], topPages = 4) => {
    for (const range of ranges) {
      expect(
        await overview(store, { ...range, topPages, now: NOW }),
        JSON.stringify(range),
      ).toEqual(reference(events, range, topPages))
    }
  }

  it('builds each range once and stays exact through late and replayed events', async () => {
    const handler = createConsumerHandler(store)
    const events = pageViews(1, 600, 10, 0)
    await handler.handle(events)
    await check(events)
    expect(await builds(store)).toBe(closedRanges)

    // Late events for two closed days: patched live, no rebuild.
    const late = pageViews(2, 30, 5, 4, 8)
    await handler.handle(late)
    events.push(...late)
    await check(events)
    expect(await builds(store)).toBe(closedRanges)

    // Replays of everything: a day's counter moves, no number does.
    await handler.handle(events.slice(0, 200))
    await handler.handle(late)
    await check(events)

    // Late events for more than MAX_CHANGED_DAYS days: the next request rebuilds.
    const many = pageViews(3, 60, 9, 9 - MAX_CHANGED_DAYS - 1)
    await handler.handle(many)
    events.push(...many)
    await check(events)
    expect(await builds(store)).toBeGreaterThan(closedRanges)

    // Merges change no number and invalidate nothing.
    const before = await builds(store)
    await store.command('OPTIMIZE TABLE page_views_daily FINAL')
    await check(events)
    expect(await builds(store)).toBe(before)
  })

  it('counts a page that climbs into the top pages today, beyond the kept states', async () => {
    const pages = EXTRA_KEPT_PAGES + 4
    // /p13 has 3 views on closed days: the last page, so the snapshot keeps no state of it.
    let kept = 0
    const closed = pageViews(4, 40 * pages, 6, 1, pages).filter(
      (e) => e.page !== '/p13' || ++kept <= 3,
    )
    const climber = Array.from({ length: 300 }, (_, i) =>
      acceptedEvent(
        'page_view',
        { page_name: 'p' },
        { user_id: `c${i % 70}`, page: '/p13', timestamp: TODAY + i * 1000 },
      ),
    )
    const handler = createConsumerHandler(store)
    await handler.handle(closed)
    const range = { from: dayOf(TODAY - 6 * DAY), to: dayOf(TODAY) }
    expect(await overview(store, { ...range, topPages: 1, now: NOW })).toEqual(
      reference(closed, range, 1),
    )
    await handler.handle(climber)
    const events = [...closed, ...climber]
    const answer = await overview(store, { ...range, topPages: 1, now: NOW })
    expect(answer.top_pages.map((p) => [p.page, p.pv])).toEqual([['/p13', 303]])
    expect(answer).toEqual(reference(events, range, 1))
  })

  it('builds once for concurrent first requests of a range', async () => {
    const events = pageViews(5, 300, 8, 0)
    await createConsumerHandler(store).handle(events)
    const range = { from: dayOf(TODAY - 8 * DAY), to: dayOf(TODAY) }
    const answers = await Promise.all(
      [1, 2, 3].map(() => overview(store, { ...range, topPages: 3, now: NOW })),
    )
    for (const answer of answers) expect(answer).toEqual(reference(events, range, 3))
    expect(await builds(store)).toBe(1)
  })

  it('answers again from memory until an event for the range is stored, today or late', async () => {
    const handler = createConsumerHandler(store)
    const events = pageViews(9, 300, 6, 0)
    await handler.handle(events)
    let queries = 0
    let knownDays: unknown
    const counting: EventStore = {
      ...store,
      query: (sql, params) => {
        queries++
        if (params && 'knownDays' in params) knownDays = params.knownDays
        return store.query(sql, params)
      },
    }
    const range = { from: dayOf(TODAY - 6 * DAY), to: dayOf(TODAY) }
    const ask = async () => {
      queries = 0
      const answer = await overview(counting, { ...range, now: NOW })
      return { answer, queries }
    }
    const first = await ask()
    expect(first.answer).toEqual(reference(events, range, 10))
    // Only the fingerprint is read.
    expect(await ask()).toEqual({ answer: first.answer, queries: 1 })
    const storeAndCheck = async (more: AcceptedEvent[]) => {
      await handler.handle(more)
      events.push(...more.filter((e) => !events.includes(e)))
      const again = await ask()
      expect(again.queries).toBeGreaterThan(1)
      expect(again.answer).toEqual(reference(events, range, 10))
    }
    await storeAndCheck(pageViews(10, 5, 0, 0)) // today
    await storeAndCheck(pageViews(11, 5, 3, 3)) // late, for a closed day
    // Today changes again: the closed day that got late events is not merged again.
    await storeAndCheck(pageViews(13, 5, 0, 0))
    expect(knownDays).toEqual([dayOf(TODAY - 3 * DAY)])
    await storeAndCheck(events.slice(0, 5)) // replays
    // An event outside the range changes nothing of it.
    await handler.handle(pageViews(12, 5, 20, 20))
    expect((await ask()).queries).toBe(1)
  })

  it('does not count days the three-month TTL removes, merged away or not', async () => {
    const old = acceptedEvent('page_view', { page_name: 'p' }, { timestamp: TODAY - 100 * DAY })
    const recent = pageViews(6, 20, 3, 0)
    await createConsumerHandler(store).handle([old, ...recent])
    const answer = await overview(store, { topPages: 10, now: NOW })
    expect(answer).toEqual(reference(recent, {}, 10))
    expect(answer.daily_stats[0]?.date).toBe(dayOf(TODAY - 3 * DAY))
  })
})

describe('splitRange and firstRetainedDay', () => {
  it('splits a range into closed days before today and live days from today', () => {
    const now = Date.parse('2026-05-20T08:00:00Z')
    expect(splitRange('2026-05-01', '2026-05-31', now)).toEqual({
      range: { from: '2026-05-01', to: '2026-05-31' },
      closed: { from: '2026-05-01', to: '2026-05-19' },
      live: { from: '2026-05-20', to: '2026-05-31' },
    })
    expect(splitRange('2026-05-20', '2026-05-20', now).closed).toBeUndefined()
    expect(splitRange('2026-05-01', '2026-05-10', now).live).toBeUndefined()
    expect(splitRange('1970-01-01', '2149-06-06', now).range.from).toBe('2026-02-21')
  })

  it("agrees with ClickHouse's TTL arithmetic at month ends and in leap years", async () => {
    const todays = [
      '2026-05-31',
      '2026-05-28',
      '2028-05-29',
      '2028-05-30',
      '2026-03-01',
      '2027-01-15',
    ]
    for (const today of todays) {
      const [row] = await store.query<{ first: string }>(
        `SELECT toString(min(d)) AS first FROM (
           SELECT toDate({today:Date}) - 200 + number AS d FROM numbers(400))
         WHERE d + INTERVAL 3 MONTH > toDate({today:Date})`,
        { today },
      )
      expect(firstRetainedDay(today), today).toBe(row?.first)
    }
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
  })
})

describe('migration v3 over existing data', () => {
  it('keeps the numbers of data stored under v2, counts new inserts, and runs again harmlessly', async () => {
    const v2dir = mkdtempSync(join(tmpdir(), 'trackpoint-overview-v2-'))
    // chdb holds one data directory per process: this test borrows the store's slot.
    await store.close()
    const v2 = createChdbStore(v2dir)
    try {
      await applyMigrations(v2, MIGRATIONS.slice(0, 2))
      const before = pageViews(7, 200, 5, 0)
      await createConsumerHandler(v2).handle(before)
      // v3 and what came after it (v4: the events' clock_offset column; v5: their plan version).
      expect(await applyMigrations(v2)).toEqual(MIGRATIONS.slice(2).map((m) => m.version))
      const range = { from: dayOf(TODAY - 5 * DAY), to: dayOf(TODAY) }
      expect(await overview(v2, { ...range, topPages: 5, now: NOW })).toEqual(
        reference(before, range, 5),
      )
      // v3's statements again, as after a crash before its row was recorded.
      const v3 = MIGRATIONS.find((m) => m.version === 3)
      for (const statement of v3?.statements ?? []) await v2.command(statement)
      const late = pageViews(8, 50, 4, 1)
      await createConsumerHandler(v2).handle(late)
      const [counted] = await v2.query<{ n: number }>(
        'SELECT sum(inserted_rows) AS n FROM page_views_daily',
      )
      expect(Number(counted?.n)).toBe(late.length)
      expect(await overview(v2, { ...range, topPages: 5, now: NOW })).toEqual(
        reference([...before, ...late], range, 5),
      )
      expect(await applyMigrations(v2)).toEqual([])
    } finally {
      await v2.close()
      rmSync(v2dir, { recursive: true, force: true })
      store = createChdbStore(dir)
    }
  })
})
