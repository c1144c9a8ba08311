// The live view's cursor (GET /api/stats/live, stats/liveEvents.ts) against the real engine
// (chdb): events received long before they are stored, rows that become visible after a poll
// although their stored_at is behind it (inserted with an explicit past stored_at: a real
// out-of-order insert), bursts larger than a page, the filters, rows stored before the
// stored_at migration, and the receive-time cursor of older servers.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { LIVE_REREAD_MS, readCursor } from '../stats/liveCursor'
import { liveEvents, type LiveEvent, type LiveEventsOptions } from '../stats/liveEvents'
import { NO_FILTERS } from '../stats/statsFilters'
import { applyMigrations, createChdbStore, MIGRATIONS, toEventRow } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { acceptedEvent, clearEvents } from './fixtures'

let dir: string
let store: EventStore

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-live-'))
  store = createChdbStore(dir)
  await store.migrate()
})
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})
beforeEach(() => clearEvents(store))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** A DateTime64(6) literal in UTC for an epoch ms. */
const dateTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '000')

/** Stores events as the consumer does: stored_at is ClickHouse's clock at insert. */
const store_ = (...events: AcceptedEvent[]) => store.insert('events', events.map(toEventRow))
/**
 * Stores events whose stored_at is `ms`, in the past: what a long insert that started at `ms`
 * looks like when it becomes visible now.
 */
const storeLate = (ms: number, ...events: AcceptedEvent[]) =>
  store.insert(
    'events',
    events.map((e) => ({ ...toEventRow(e), stored_at: dateTime(ms) })),
  )

const poll = (since: string | undefined, options: Partial<LiveEventsOptions> = {}) =>
  liveEvents(store, {
    since: since === undefined ? undefined : readCursor(since),
    limit: 50,
    filters: NO_FILTERS,
    ...options,
  })
const ids = (events: LiveEvent[]) => events.map((e) => e.event_id)

describe('live events ordered by storage', () => {
  it('returns an event received before the cursor but stored after the poll that wrote it', async () => {
    const now = Date.now()
    await store_(acceptedEvent('page_view', {}, { timestamp: now - 1_000 }))
    const first = await poll(undefined)
    expect(first.events).toHaveLength(1)
    // Received a minute ago (consumer lag, a store outage), stored only now.
    const late = acceptedEvent(
      'card_click',
      {},
      { timestamp: now - 61_000, received_at: now - 60_000 },
    )
    await store_(late)
    const next = await poll(first.cursor)
    expect(ids(next.events)).toContain(late.event_id)
    const shown = next.events.find((e) => e.event_id === late.event_id)!
    expect(shown.received_at).toBe(now - 60_000)
    expect(shown.stored_at).toBeGreaterThanOrEqual(now)
  })

  it('loses no event across polls interleaved with out-of-order inserts, repeats only within the overlap, and keeps the filters', async () => {
    const reread = 400
    const filters = { app_id: 'app_live', platform: 'web' as const }
    const match = (overrides: Partial<AcceptedEvent> = {}) =>
      acceptedEvent('live_click', {}, { user_id: 'u_live', ...filters, ...overrides })
    // Differ from the filters in one field each: never shown.
    const decoys = () => [
      acceptedEvent('live_click', {}, { user_id: 'u_other', ...filters }),
      acceptedEvent('other_click', {}, { user_id: 'u_live', ...filters }),
      acceptedEvent('live_click', {}, { user_id: 'u_live', app_id: 'app_x', platform: 'web' }),
      acceptedEvent('live_click', {}, { user_id: 'u_live', app_id: 'app_live', platform: 'ios' }),
    ]
    const options = { userId: 'u_live', eventName: 'live_click', filters, rereadMs: reread }
    const expected = new Set<string>()
    const seen = new Map<string, number>()
    let previousRead = Date.now()
    let cursor = (await poll(undefined, options)).cursor
    for (let round = 0; round < 8; round++) {
      const now = Date.now()
      const inOrder = match()
      const receivedLongAgo = match({ timestamp: now - 120_000, received_at: now - 119_000 })
      // An insert that started just before the previous poll read the store and becomes
      // visible only now: its stored_at is behind that poll.
      const visibleLate = match()
      await store_(inOrder, receivedLongAgo, ...decoys())
      await storeLate(previousRead - 100, visibleLate, ...decoys())
      for (const e of [inOrder, receivedLongAgo, visibleLate]) expected.add(e.event_id)
      await sleep(120)
      const read = Date.now()
      const answer = await poll(cursor, options)
      for (const event of answer.events) {
        expect(event).toMatchObject({ user_id: 'u_live', event_name: 'live_click', ...filters })
        expect(expected.has(event.event_id)).toBe(true)
        if (seen.has(event.event_id)) {
          // A repeat is stored within the overlap before the previous answer's read.
          expect(event.stored_at).toBeGreaterThanOrEqual(previousRead - reread - 1)
        }
        seen.set(event.event_id, (seen.get(event.event_id) ?? 0) + 1)
      }
      cursor = answer.cursor
      previousRead = read
    }
    await sleep(reread)
    const last = await poll(cursor, options)
    for (const event of last.events) seen.set(event.event_id, 1 + (seen.get(event.event_id) ?? 0))
    expect([...expected].filter((id) => !seen.has(id))).toEqual([])
    expect(seen.size).toBe(24)
    // Once the overlap has passed, nothing comes again.
    await sleep(reread + 50)
    const settled = await poll((await poll(last.cursor, options)).cursor, options)
    expect(settled.events).toEqual([])
  })

  it('pages through a burst larger than a page without losing an event', async () => {
    const start = await poll(undefined, { rereadMs: 300 })
    const burst = Array.from({ length: 25 }, (_, i) =>
      acceptedEvent('page_view', {}, { user_id: `u${i}` }),
    )
    await store_(...burst.slice(0, 12))
    await storeLate(Date.now() - 200, ...burst.slice(12))
    const seen = new Set<string>()
    let cursor = start.cursor
    for (let i = 0; i < 20 && seen.size < burst.length; i++) {
      const answer = await poll(cursor, { limit: 10, rereadMs: 300 })
      expect(answer.events.length).toBeLessThanOrEqual(10)
      for (const id of ids(answer.events)) seen.add(id)
      cursor = answer.cursor
      await sleep(100)
    }
    expect(seen).toEqual(new Set(burst.map((e) => e.event_id)))
  })

  it('reads the receive-time cursor of older servers as a point just before that time', async () => {
    const now = Date.now()
    const shown = acceptedEvent('page_view', {}, { timestamp: now - 30_000 })
    await storeLate(now - 30_000, shown)
    const late = acceptedEvent(
      'card_click',
      {},
      { timestamp: now - 20_000, received_at: now - 19_000 },
    )
    await store_(late)
    // An old dashboard's cursor: received_at and event_id of the last event it showed.
    const old = await poll(`${now - 10_000}:${shown.event_id}`)
    expect(ids(old.events)).toEqual([late.event_id])
    expect(readCursor(String(now))).toEqual({
      storedAt: (now - LIVE_REREAD_MS) * 1000,
      eventId: '00000000-0000-0000-0000-000000000000',
    })
    expect(() => readCursor('s12:nope')).toThrow(/since must be a cursor/)
    expect(() => readCursor('286005847760132')).toThrow(/after the year 2199/)
    expect(old.cursor).toMatch(/^s\d+:[0-9a-f-]{36}$/)
  })
})

describe('events stored before the stored_at migration', () => {
  it('lists them at their receive time, the same at every read, and newer rows after them', async () => {
    const oldDir = mkdtempSync(join(tmpdir(), 'trackpoint-live-v8-'))
    await store.close()
    const before = createChdbStore(oldDir)
    try {
      await applyMigrations(
        before,
        MIGRATIONS.filter((m) => m.version <= 8),
      )
      const now = Date.now()
      const older = [
        acceptedEvent('page_view', {}, { timestamp: now - 3_000, received_at: now - 2_900 }),
        acceptedEvent('page_view', {}, { timestamp: now - 5_000, received_at: now - 4_900 }),
      ]
      await before.insert('events', older.map(toEventRow))
      await before.migrate()
      const newer = acceptedEvent('page_view', {}, { timestamp: now - 60_000 })
      await before.insert('events', [toEventRow(newer)])
      const read = () =>
        liveEvents(before, { limit: 50, filters: NO_FILTERS }).then((a) => a.events)
      const first = await read()
      await sleep(50)
      const second = await read()
      expect(first.map((e) => [e.event_id, e.stored_at])).toEqual([
        [older[1]!.event_id, now - 4_900],
        [older[0]!.event_id, now - 2_900],
        [newer.event_id, expect.any(Number)],
      ])
      expect(second).toEqual(first)
      expect(first[2]!.stored_at).toBeGreaterThanOrEqual(now)
    } finally {
      await before.close()
      rmSync(oldDir, { recursive: true, force: true })
      store = createChdbStore(dir)
    }
  })
})

describe('the minmax indexes of arrival and storage times (migration 11)', () => {
  it('let a read of recent arrivals skip the granules of older parts', async () => {
    const now = Date.now()
    const dayAgo = now - 30 * 3_600_000
    // Two parts of more than one granule each: a day-old one and a new one.
    const batch = (at: number) =>
      Array.from({ length: 20_000 }, (_, i) =>
        acceptedEvent('page_view', {}, { timestamp: at + i, received_at: at + i }),
      )
    await store.insert(
      'events',
      batch(dayAgo).map((e) => ({ ...toEventRow(e), stored_at: dateTime(dayAgo) })),
    )
    await store_(...batch(now))
    const granules = async (column: string) => {
      const plan = await store.query<{ explain: string }>(
        `EXPLAIN indexes = 1 SELECT count() FROM events
         WHERE ${column} >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')`,
        { since: now - 3_600_000 },
      )
      const text = plan.map((row) => row.explain).join('\n')
      const skip = text.slice(text.indexOf(`Name: ${column}_minmax`))
      const match = /Granules: (\d+)\/(\d+)/.exec(skip)
      expect(match, text).not.toBeNull()
      return { read: Number(match![1]), of: Number(match![2]) }
    }
    for (const column of ['received_at', 'stored_at']) {
      const { read, of } = await granules(column)
      // The new part's granules are read, the day-old part's are skipped.
      expect(of, column).toBeGreaterThanOrEqual(4)
      expect(read, column).toBeLessThanOrEqual(of / 2)
      expect(read, column).toBeGreaterThan(0)
    }
    // And the live view still finds the recent events.
    const { events } = await liveEvents(store, { limit: 5, filters: NO_FILTERS })
    expect(events.every((e) => e.received_at >= now)).toBe(true)
  }, 60_000)
})
