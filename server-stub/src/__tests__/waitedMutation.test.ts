// Mutations that the server waits for (migration 9's MATERIALIZE COLUMN, an erasure's DELETEs)
// are queued and polled, not held in one request: on a ClickHouse server a request that waited
// failed once the client's 30 s timeout passed, while the rewrite went on — a start failed and
// the next queued a second rewrite; an erasure stopped half-way. Driven on the real engine
// (chdb) with the rewrite really held: merges stopped on `events`, which stops its mutations, as
// a slow rewrite of a big store would; where the client's timeout matters, every request of the
// store gives up after 1.5 s as @clickhouse/client's request_timeout does (ClickHouse goes on).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyMigrations, clusterSchema, createChdbStore, MIGRATIONS, toEventRow } from '../store'
import { EVENTS_STORED_AT_BACKFILL, EVENTS_STORED_AT_DDL } from '../store/migrations'
import { loadConfig } from '../config'
import { startServer } from '../startServer'
import { eraseUser } from '../stats/eraseUser'
import { MutationStillRunning, waitedMutation } from '../store/waitedMutation'
import type { EventStore } from '../types'
import { acceptedEvent } from './fixtures'

/** The versions a store left at migration 8 applies: 9 and every later one. */
const FROM_9 = MIGRATIONS.map((m) => m.version).filter((version) => version >= 9)

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

  /**
   * The store as a client with `request_timeout` sees it: a request that has not answered within
   * `ms` fails, while the engine goes on with it.
   */
  const withRequestTimeout = (ms: number): EventStore => {
    const deadline = <T>(work: Promise<T>) =>
      Promise.race([
        work,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`request timeout (${ms} ms)`)), ms).unref(),
        ),
      ])
    return {
      ...store,
      command: (sql) => deadline(store.command(sql)),
      query: (sql, params) => deadline(store.query(sql, params)),
      insert: (table, rows) => deadline(store.insert(table, rows)),
    }
  }

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
    expect(await started).toEqual(FROM_9)
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
  it('erases a person while the rewrite outlasts the client timeout, waiting until it is done', async () => {
    await store.migrate()
    const now = Date.now()
    const mine = [1, 2].map((i) =>
      acceptedEvent('page_view', {}, { user_id: 'u-gone', timestamp: now - i * 1000 }),
    )
    const theirs = acceptedEvent('page_view', {}, { user_id: 'u-stays', timestamp: now - 500 })
    await store.insert('events', [...mine, theirs].map(toEventRow))
    await store.command('SYSTEM STOP MERGES events')
    let settled = false
    const erased = eraseUser(withRequestTimeout(1_500), 'u-gone', {
      requestedBy: 'test',
      salt: 'pepper',
    }).finally(() => (settled = true))
    const deletes = () =>
      store.query<{ is_done: number }>(
        `SELECT is_done FROM system.mutations
         WHERE database = currentDatabase() AND table = 'events'
           AND position(command, 'DELETE WHERE user_id IN') > 0`,
      )
    await expect.poll(deletes, { timeout: 10_000 }).toEqual([{ is_done: 0 }])
    // Twice the client's timeout with the rewrite held: the erasure still waits, not failed.
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    expect(settled).toBe(false)
    await store.command('SYSTEM START MERGES events')
    expect(await erased).toMatchObject({ rows_removed: 2, anonymous_ids: 0 })
    expect(await deletes()).toEqual([{ is_done: 1 }])
    expect(await store.query('SELECT user_id FROM events ORDER BY user_id')).toEqual([
      { user_id: 'u-stays' },
    ])
  })

  it('gives up an erasure after its wait with MutationStillRunning; a second call waits for the same deletion', async () => {
    await store.migrate()
    const now = Date.now()
    await store.insert('events', [
      toEventRow(acceptedEvent('page_view', {}, { user_id: 'u-gone', timestamp: now - 1000 })),
      toEventRow(acceptedEvent('page_view', {}, { user_id: 'u-stays', timestamp: now - 500 })),
    ])
    await store.command('SYSTEM STOP MERGES events')
    const options = { requestedBy: 'test', salt: 'pepper', waitMs: 1_000 }
    const started = Date.now()
    const first = await eraseUser(store, 'u-gone', options).catch((error: unknown) => error)
    expect(first).toBeInstanceOf(MutationStillRunning)
    expect(String(first)).toMatch(
      /DELETE WHERE user_id IN \('u-gone'\)" of events is still running/,
    )
    expect(Date.now() - started).toBeLessThan(10_000)
    const deletes = () =>
      store.query<{ is_done: number }>(
        `SELECT is_done FROM system.mutations
         WHERE database = currentDatabase() AND table = 'events'
           AND position(command, 'DELETE WHERE user_id IN') > 0`,
      )
    // Called again while the deletion still runs: it waits for that one, queues none.
    const second = eraseUser(store, 'u-gone', { ...options, waitMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(await deletes()).toEqual([{ is_done: 0 }])
    await store.command('SYSTEM START MERGES events')
    expect(await second).toMatchObject({ rows_removed: 1 })
    expect(await deletes()).toEqual([{ is_done: 1 }])
    expect(await store.query('SELECT user_id FROM events')).toEqual([{ user_id: 'u-stays' }])
  })

  it('starts with migration 9 while its rewrite outlasts the client timeout', async () => {
    await applyMigrations(
      store,
      MIGRATIONS.filter((m) => m.version <= 8),
    )
    await store.insert('events', [toEventRow(acceptedEvent('page_view', {}))])
    await store.command('SYSTEM STOP MERGES events')
    let settled = false
    const started = applyMigrations(withRequestTimeout(1_500), MIGRATIONS, undefined, {
      intervalMs: 100,
    }).finally(() => (settled = true))
    await expect.poll(rewrites, { timeout: 10_000 }).toEqual([{ is_done: 0 }])
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    expect(settled).toBe(false)
    await store.command('SYSTEM START MERGES events')
    expect(await started).toEqual(FROM_9)
    expect(await rewrites()).toEqual([{ is_done: 1 }])
  })
  it('logs, while a start waits for the rewrite, that it is not listening yet and the parts left', async () => {
    // The server opens <data dir>/clickhouse: the held store moves there.
    await store.close()
    store = createChdbStore(join(dir, 'clickhouse'))
    await applyMigrations(
      store,
      MIGRATIONS.filter((m) => m.version <= 8),
    )
    await store.insert('events', [toEventRow(acceptedEvent('page_view', {}))])
    await store.command('SYSTEM STOP MERGES events')
    const lines: Record<string, unknown>[] = []
    const logger = { info: (entry: Record<string, unknown>) => lines.push(entry), error() {} }
    const starting = startServer({
      config: loadConfig({ TRACKPOINT_DATA_DIR: dir, PORT: '0', TRACKPOINT_ADMIN_TOKEN: 'admin' }),
      logger,
    })
    await expect
      .poll(() => lines.find((line) => String(line.msg).startsWith('migrating:')), {
        timeout: 10_000,
      })
      .toEqual({
        msg: 'migrating: waiting for ClickHouse to rewrite stored events; not listening yet',
        parts_to_do: expect.any(Number),
      })
    await store.command('SYSTEM START MERGES events')
    const server = await starting
    try {
      const whoami = await fetch(`${server.url}/api/stats/whoami`, {
        headers: { Authorization: 'Bearer admin' },
      })
      expect(whoami.status).toBe(200)
      expect(await rewrites()).toEqual([{ is_done: 1 }])
    } finally {
      await server.close()
    }
  })
})
