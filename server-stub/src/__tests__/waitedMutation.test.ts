// Migrations that rewrite stored parts (migration 9's MATERIALIZE COLUMN) are queued and polled,
// not held in one request: on a ClickHouse server a request that waited failed once the client's
// 30 s timeout passed, while the rewrite went on, and the next start queued a second one. Driven
// on the real engine (chdb) with the rewrite really held: merges stopped on `events`, which stops
// its mutations, as a slow rewrite of a big store would.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyMigrations, clusterSchema, createChdbStore, MIGRATIONS, toEventRow } from '../store'
import { EVENTS_STORED_AT_BACKFILL, EVENTS_STORED_AT_DDL } from '../store/migrations'
import { waitedMutation } from '../store/waitedMutation'
import type { EventStore } from '../types'
import { acceptedEvent } from './fixtures'

describe('waitedMutation', () => {
  it('finds the mutations a migration waits for, on one server and on a cluster', () => {
    expect(waitedMutation(EVENTS_STORED_AT_BACKFILL)).toEqual({
      table: 'events',
      command: 'MATERIALIZE COLUMN stored_at',
    })
    const cluster = clusterSchema({ cluster: 'tp_cluster' }).migrations.find(
      (m) => m.version === 9,
    )!
    expect(cluster.statements.map(waitedMutation).filter(Boolean)).toEqual([
      { table: 'events_local', cluster: 'tp_cluster', command: 'MATERIALIZE COLUMN stored_at' },
    ])
  })

  it('leaves every other statement to run as it is', () => {
    const waited = MIGRATIONS.flatMap((m) => m.statements).filter((s) => waitedMutation(s))
    expect(waited).toEqual([EVENTS_STORED_AT_BACKFILL])
    // Migration 11's index build asks for no wait: it stays a plain command.
    expect(waitedMutation('ALTER TABLE events MATERIALIZE INDEX received_at_minmax')).toBe(
      undefined,
    )
  })
})

describe('a migration that rewrites parts, on the real engine', () => {
  let dir: string
  let store: EventStore

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trackpoint-mutation-'))
    store = createChdbStore(dir)
  })
  afterEach(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const rewrites = () =>
    store.query<{ is_done: number }>(
      `SELECT is_done FROM system.mutations
       WHERE database = currentDatabase() AND table = 'events'
         AND position(command, 'MATERIALIZE COLUMN stored_at') > 0`,
    )

  it('waits for the rewrite a start that died left running, and does not queue a second', async () => {
    await applyMigrations(
      store,
      MIGRATIONS.filter((m) => m.version <= 8),
    )
    const now = Date.now()
    const events = [1, 2, 3].map((i) =>
      acceptedEvent('page_view', {}, { timestamp: now - i * 1000, received_at: now - i * 900 }),
    )
    await store.insert('events', events.map(toEventRow))
    // What a start stopped during migration 9's wait leaves behind: the column, a rewrite still
    // queued, version 9 not recorded.
    await store.command('SYSTEM STOP MERGES events')
    await store.command(EVENTS_STORED_AT_DDL)
    await store.command(
      'ALTER TABLE events MATERIALIZE COLUMN stored_at SETTINGS mutations_sync = 0',
    )
    expect(await rewrites()).toEqual([{ is_done: 0 }])

    const progress: number[] = []
    let settled = false
    const started = applyMigrations(store, MIGRATIONS, undefined, {
      intervalMs: 20,
      onProgress: (parts) => progress.push(parts),
    }).finally(() => (settled = true))
    await expect.poll(() => progress.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
    expect(settled).toBe(false)
    expect(progress.every((parts) => parts >= 1)).toBe(true)
    expect(await rewrites()).toEqual([{ is_done: 0 }])

    await store.command('SYSTEM START MERGES events')
    expect(await started).toEqual([9, 10, 11])
    expect(await rewrites()).toEqual([{ is_done: 1 }])
    // Every active part holds the column now, with each row's receive time.
    const parts = await store.query<{ parts: number; with_column: number }>(
      `SELECT uniqExact(p.name) AS parts, uniqExactIf(p.name, c.column = 'stored_at') AS with_column
       FROM system.parts AS p
       LEFT JOIN system.parts_columns AS c
         ON c.database = p.database AND c.table = p.table AND c.name = p.name
       WHERE p.database = currentDatabase() AND p.table = 'events' AND p.active`,
    )
    expect(parts[0]!.parts).toBeGreaterThanOrEqual(1)
    expect(parts[0]!.with_column).toBe(parts[0]!.parts)
    const stored = await store.query<{ late: number }>(
      `SELECT countIf(stored_at != toDateTime64(received_at, 6)) AS late FROM events`,
    )
    expect(stored).toEqual([{ late: 0 }])
  })

  it('fails the start with ClickHouse reason when the rewrite fails, and records nothing', async () => {
    const migrations = [
      {
        version: 1,
        name: 'a table',
        statements: ['CREATE TABLE t (x UInt64, y String) ENGINE = MergeTree ORDER BY x'],
      },
      {
        version: 2,
        name: 'a rewrite that cannot succeed',
        statements: [
          "ALTER TABLE t UPDATE y = toString(throwIf(x >= 0, 'no rewrite here')) WHERE 1 SETTINGS mutations_sync = 2",
        ],
      },
    ]
    await applyMigrations(store, migrations.slice(0, 1))
    await store.insert('t', [{ x: 1, y: 'a' }])
    await expect(applyMigrations(store, migrations, undefined, { intervalMs: 20 })).rejects.toThrow(
      /the mutation "UPDATE y = .*" of t fails: .*no rewrite here.*KILL MUTATION/,
    )
    const versions = await store.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    )
    expect(versions).toEqual([{ version: 1 }])
    // The row is as it was: a failed mutation rewrites nothing.
    expect(await store.query('SELECT x, y FROM t')).toEqual([{ x: 1, y: 'a' }])
  })
})
