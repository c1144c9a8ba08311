import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setTargetUsers } from '../stats/queries'
import { storedRefusals, storeRefusalTallies } from '../stats/storedRefusals'
import { MIGRATIONS, applyMigrations, createChdbStore, toEventRow } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { clearEvents } from './fixtures'

const NOW = Date.now()

function event(event_name: string, properties: Record<string, unknown>, offset = 0): AcceptedEvent {
  return {
    event_id: crypto.randomUUID(),
    event_name,
    user_id: `u${offset % 7}`,
    timestamp: NOW - offset * 60_000,
    platform: 'web',
    page: '/onchain',
    session_id: 's',
    properties,
    app_id: 'app',
    client_ip: '10.0.0.1',
    received_at: NOW,
    sdk_version: '0.1.0',
    app_version: '1.0.0',
  }
}

let dir: string
let store: EventStore

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-store-'))
  store = createChdbStore(dir)
})

afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('createChdbStore', () => {
  it('applies the migrations once and changes nothing when they run again', async () => {
    await store.migrate()
    const tables = async () =>
      store.query<{ name: string; create_table_query: string }>(
        'SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() ORDER BY name',
      )
    const first = await tables()
    expect(first.map((t) => t.name)).toEqual([
      'collector_refusals',
      'deliveries',
      'erasures',
      'events',
      'identity_links',
      'identity_links_mv',
      'overview_snapshots',
      'page_views_counted_mv',
      'page_views_daily',
      'partner_tokens',
      'path_builds',
      'path_counts',
      'path_sessions',
      'schema_migrations',
    ])
    await store.migrate()
    expect(await applyMigrations(store)).toEqual([])
    expect(await tables()).toEqual(first)
    const versions = await store.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    )
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version))
  })

  it('keeps the events table idempotent on event_id, with a real TTL and LowCardinality names', async () => {
    const [{ ddl = '' } = {}] = await store.query<{ ddl: string }>(
      "SELECT create_table_query AS ddl FROM system.tables WHERE name = 'events' AND database = currentDatabase()",
    )
    expect(ddl).toContain('ReplacingMergeTree')
    expect(ddl).toMatch(/ORDER BY \(.*event_id\)/)
    expect(ddl).toMatch(/TTL event_date \+ toIntervalMonth\(3\)/)
    expect(ddl).toContain('`event_name` LowCardinality(String)')
  })

  it('changes no count when the same event_ids are inserted again', async () => {
    await clearEvents(store)
    const rows = Array.from({ length: 200 }, (_, i) =>
      toEventRow(event('page_view', { page_name: `p${i % 5}` }, i)),
    )
    const counts = () =>
      store.query<{ final: number; ids: number; users: number }>(
        'SELECT (SELECT count() FROM events FINAL) AS final, (SELECT uniqExact(event_id) FROM events) AS ids, (SELECT uniqExact(user_id) FROM events) AS users',
      )
    await store.insert('events', rows)
    const before = await counts()
    expect(before).toEqual([{ final: 200, ids: 200, users: 7 }])
    await store.insert('events', rows)
    await store.insert('events', rows.slice(50, 120))
    expect(await counts()).toEqual(before)
    await store.command('OPTIMIZE TABLE events FINAL')
    const [raw] = await store.query<{ n: number }>('SELECT count() AS n FROM events')
    expect(raw?.n).toBe(200)
  })

  it('derives delivery_id and action_id from properties, card_id standing for the Action', async () => {
    await clearEvents(store)
    await store.insert('events', [
      toEventRow(event('recommend_complete', { delivery_id: 'd1', action_id: 'a1' })),
      toEventRow(event('card_click', { card_id: 'a2' })),
      toEventRow(event('card_click', { card_id: 'card9', action_id: 'a3' })),
      toEventRow(event('page_view', { page_name: 'landing' })),
    ])
    const rows = await store.query(
      'SELECT event_name, delivery_id, action_id, event_date = toDate(timestamp) AS dated FROM events ORDER BY event_name, action_id',
    )
    expect(rows).toEqual([
      { event_name: 'card_click', delivery_id: '', action_id: 'a2', dated: 1 },
      { event_name: 'card_click', delivery_id: '', action_id: 'a3', dated: 1 },
      { event_name: 'page_view', delivery_id: '', action_id: '', dated: 1 },
      { event_name: 'recommend_complete', delivery_id: 'd1', action_id: 'a1', dated: 1 },
    ])
  })

  it('keeps the timestamp to the millisecond in UTC', async () => {
    await clearEvents(store)
    const e = event('page_view', { page_name: 'x' })
    // The last millisecond of yesterday (UTC); a day older than three months would meet the TTL.
    e.timestamp = Math.floor(NOW / 86_400_000) * 86_400_000 - 13
    e.properties = { page_name: 'x', nested: { a: [1, 'two'] } }
    await store.insert('events', [toEventRow(e)])
    const [row] = await store.query(
      'SELECT toUnixTimestamp64Milli(timestamp) AS ms, toString(event_date) AS date, properties FROM events',
    )
    expect(row).toEqual({
      ms: e.timestamp,
      date: new Date(e.timestamp).toISOString().slice(0, 10),
      properties: JSON.stringify(e.properties),
    })
  })

  it('lets the latest target_users win, even for writes in the same millisecond', async () => {
    for (const n of [10, 5000, 42]) await setTargetUsers(store, 'd1', n)
    await setTargetUsers(store, 'd2', 7)
    const rows = await store.query(
      'SELECT delivery_id, target_users FROM deliveries FINAL ORDER BY delivery_id',
    )
    expect(rows).toEqual([
      { delivery_id: 'd1', target_users: 42 },
      { delivery_id: 'd2', target_users: 7 },
    ])
    await expect(setTargetUsers(store, 'd1', -1)).rejects.toThrow(RangeError)
  })

  it('answers connected() and refuses a table name that is not a plain name', async () => {
    expect(await store.connected()).toBe(true)
    await expect(store.insert('events; DROP TABLE events', [{}])).rejects.toThrow(/table must be/)
  })

  it('drops events older than the three-month TTL', async () => {
    await clearEvents(store)
    const old = event('page_view', { page_name: 'x' })
    old.timestamp = NOW - 100 * 86_400_000
    await store.insert('events', [
      toEventRow(old),
      toEventRow(event('page_view', { page_name: 'y' })),
    ])
    // ClickHouse applies a TTL when parts merge (in the background, within hours); force it.
    await store.command('OPTIMIZE TABLE events FINAL')
    const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM events')
    expect(row?.n).toBe(1)
  })

  it('refuses a second data directory in the same process and says what to do', () => {
    const other = mkdtempSync(join(tmpdir(), 'trackpoint-store-other-'))
    try {
      expect(() => createChdbStore(other)).toThrow(/one data directory per process/)
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  })
})

describe('collector_refusals', () => {
  const minute = Math.floor(NOW / 60_000) * 60_000 - 10 * 60_000
  const since = minute - 60_000

  it('keeps the highest tally per collector and minute, sums collectors, also after merges', async () => {
    const a = `a-${crypto.randomUUID()}`
    const b = `b-${crypto.randomUUID()}`
    await storeRefusalTallies(store, [{ instance: a, minute, rejected: { bad_sign: 4, x: 1 } }])
    // Repeated, late and lower, in separate inserts (parts): none of it adds.
    await storeRefusalTallies(store, [{ instance: a, minute, rejected: { bad_sign: 4 } }])
    await storeRefusalTallies(store, [{ instance: a, minute, rejected: { bad_sign: 2 } }])
    await storeRefusalTallies(store, [{ instance: b, minute, rejected: { bad_sign: 5 } }])
    await storeRefusalTallies(store, [
      { instance: a, minute: minute + 60_000, rejected: { bad_sign: 1 } },
    ])
    const read = () => storedRefusals(store).since(since)
    const expected = [
      { start: minute, rejected: { bad_sign: 9, x: 1 } },
      { start: minute + 60_000, rejected: { bad_sign: 1 } },
    ]
    expect(await read()).toEqual(expected)
    await store.command('OPTIMIZE TABLE collector_refusals FINAL')
    expect(await read()).toEqual(expected)
    // A minute before `since` is left out.
    expect(await storedRefusals(store).since(minute + 60_000)).toEqual([expected[1]])
  })

  it('expires tallies after three hours', async () => {
    const old = Math.floor(NOW / 60_000) * 60_000 - 4 * 3_600_000
    await storeRefusalTallies(store, [{ instance: 'old', minute: old, rejected: { gone: 1 } }])
    await store.command('OPTIMIZE TABLE collector_refusals FINAL')
    const rows = await store.query<{ n: string }>(
      "SELECT count() AS n FROM collector_refusals WHERE instance = 'old'",
    )
    expect(Number(rows[0]!.n)).toBe(0)
  })
})
