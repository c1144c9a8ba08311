// The cluster DDL generated from the migrations (clusterMigrations.ts). No ClickHouse server can
// run here, so the statements' shape is what is checked: every table Replicated, every DDL
// ON CLUSTER, events sharded by user behind a Distributed table of the same name, materialized
// views on the shards' local tables, and the same columns as the single-server schema.
import { describe, expect, it } from 'vitest'
import { applyMigrations, type MigrationTarget } from '../store/applyMigrations'
import { clusterSchema } from '../store/clusterMigrations'
import { EVENTS_DDL, MIGRATIONS, type Migration } from '../store/migrations'

const schema = clusterSchema({ cluster: 'tp_cluster' })
const statements = schema.migrations.flatMap((m) => m.statements)
const creates = statements.filter((s) => s.startsWith('CREATE TABLE'))
const engineOf = (name: string) => {
  const ddl = creates.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${name} `))
  return /ENGINE = (\w+)\(([^)]*)\)/.exec(ddl ?? '')?.slice(1)
}
const columnsOf = (ddl: string) => ddl.slice(ddl.indexOf('('), ddl.indexOf(') ENGINE'))

describe('clusterSchema', () => {
  it('puts ON CLUSTER on every DDL statement and keeps each migration version', () => {
    expect(schema.migrations.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version))
    for (const s of [schema.schemaMigrationsDdl, ...statements]) {
      if (s.startsWith('INSERT')) continue
      expect(s.split('\n')[0]).toMatch(/ ON CLUSTER tp_cluster( \(|$| AS )/)
    }
  })

  it('gives every stored table a Replicated engine, and no table a plain MergeTree', () => {
    for (const ddl of [schema.schemaMigrationsDdl, ...creates]) {
      expect(ddl).toMatch(
        /ENGINE = (Replicated\w*MergeTree\('\/clickhouse\/tables\/|Distributed\()/,
      )
    }
  })

  it('shards events by cityHash64(user_id) behind a Distributed table named events', () => {
    const distributed = creates.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS events '))
    expect(distributed).toBe(
      'CREATE TABLE IF NOT EXISTS events ON CLUSTER tp_cluster AS events_local\n' +
        "ENGINE = Distributed('tp_cluster', currentDatabase(), 'events_local', cityHash64(user_id))",
    )
    expect(engineOf('events_local')).toEqual([
      'ReplicatedReplacingMergeTree',
      "'/clickhouse/tables/{shard}/{database}/events_local', '{replica}'",
    ])
    const local = creates.find((s) => s.includes('IF NOT EXISTS events_local '))!
    // The dedup key still ends in event_id, and user_id is in it: replays collapse on a shard.
    expect(local).toContain(
      'ORDER BY (event_name, delivery_id, action_id, event_date, user_id, event_id)',
    )
    expect(columnsOf(local)).toBe(columnsOf(EVENTS_DDL))
  })

  it('keeps the small tables whole on every node, replicated cluster-wide', () => {
    for (const name of ['schema_migrations', 'deliveries', 'overview_snapshots', 'erasures']) {
      const ddl = [schema.schemaMigrationsDdl, ...creates].find((s) =>
        s.startsWith(`CREATE TABLE IF NOT EXISTS ${name} `),
      )
      expect(ddl, name).toContain(`'/clickhouse/tables/global/{database}/${name}', '{replica}'`)
      expect(creates.some((s) => s.includes(`${name}_local`))).toBe(false)
    }
  })

  it('keeps the refusal tallies whole on every node, with their max per key and TTL (v8)', () => {
    const ddl = creates.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS collector_refusals '))!
    expect(ddl.split('\n')[0]).toBe(
      'CREATE TABLE IF NOT EXISTS collector_refusals ON CLUSTER tp_cluster (',
    )
    expect(engineOf('collector_refusals')).toEqual([
      'ReplicatedAggregatingMergeTree',
      "'/clickhouse/tables/global/{database}/collector_refusals', '{replica}'",
    ])
    expect(ddl).toContain('refused SimpleAggregateFunction(max, UInt64)')
    expect(ddl).toMatch(/ORDER BY \(minute, instance, reason\)\nTTL minute \+ INTERVAL 3 HOUR$/)
  })

  it('runs the materialized views on each shard: from events_local into the local rollup', () => {
    const views = statements.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'))
    expect(views).toHaveLength(3)
    for (const view of views) {
      expect(view).toMatch(/TO (page_views_daily|identity_links)_local AS SELECT/)
      expect(view).toContain('FROM events_local WHERE')
      expect(view).not.toMatch(/FROM events\b(?!_local)/)
    }
    // v6 (issue 14): the identity links, written on each shard, sharded by anonymous id.
    expect(views[2]).toContain('TO identity_links_local AS SELECT')
  })

  it('alters both the local and the Distributed table of a sharded table', () => {
    const alters = statements.filter((s) => s.startsWith('ALTER TABLE'))
    expect(alters.map((s) => s.split('\n')[0])).toEqual([
      'ALTER TABLE page_views_daily_local ON CLUSTER tp_cluster',
      'ALTER TABLE page_views_daily ON CLUSTER tp_cluster',
      'ALTER TABLE events_local ON CLUSTER tp_cluster',
      'ALTER TABLE events ON CLUSTER tp_cluster',
      // v5 (issue 16): plan_version and unplanned, on the shards and the Distributed table.
      'ALTER TABLE events_local ON CLUSTER tp_cluster',
      'ALTER TABLE events ON CLUSTER tp_cluster',
      // v6 (issue 14): anonymous_id, likewise.
      'ALTER TABLE events_local ON CLUSTER tp_cluster',
      'ALTER TABLE events ON CLUSTER tp_cluster',
      // v9: stored_at on both; its backfill, a mutation of stored parts, on the shards only.
      'ALTER TABLE events_local ON CLUSTER tp_cluster',
      'ALTER TABLE events ON CLUSTER tp_cluster',
      'ALTER TABLE events_local ON CLUSTER tp_cluster',
      // v10: the insert-time default, on both (the Distributed table mirrors the columns).
      'ALTER TABLE events_local ON CLUSTER tp_cluster',
      'ALTER TABLE events ON CLUSTER tp_cluster',
      // v11: the minmax indexes and their build describe stored parts: the shards only.
      'ALTER TABLE events_local ON CLUSTER tp_cluster',
      'ALTER TABLE events_local ON CLUSTER tp_cluster',
    ])
    const v9 = schema.migrations.find((m) => m.version === 9)!.statements
    expect(v9[2]).toBe(
      'ALTER TABLE events_local ON CLUSTER tp_cluster\nMATERIALIZE COLUMN stored_at SETTINGS mutations_sync = 2',
    )
    expect(statements.filter((s) => /^ALTER TABLE events ON[^\n]*\nMATERIALIZE/.test(s))).toEqual(
      [],
    )
  })

  it('refuses a cluster name that is not an identifier, and a statement it cannot place', () => {
    expect(() => clusterSchema({ cluster: 'a; DROP TABLE events' })).toThrow(/identifier/)
    const unknown: Migration[] = [
      {
        version: 9,
        name: 'x',
        statements: ['CREATE TABLE IF NOT EXISTS other (a UInt8) ENGINE = MergeTree ORDER BY a'],
      },
    ]
    expect(() => clusterSchema({ cluster: 'c' }, unknown)).toThrow(
      /other is neither sharded nor global/,
    )
    expect(() =>
      clusterSchema({ cluster: 'c' }, [
        { version: 9, name: 'x', statements: ['OPTIMIZE TABLE events'] },
      ]),
    ).toThrow(/no cluster form/)
  })

  it('is what a store with the cluster option runs, version table first', async () => {
    const commands: string[] = []
    const queries: string[] = []
    const db: MigrationTarget = {
      command: async (sql: string) => void commands.push(sql),
      query: async <T>(sql: string) => (queries.push(sql), [] as T[]),
      insert: async () => undefined,
    }
    await applyMigrations(db, schema.migrations, schema.schemaMigrationsDdl)
    // Migration 9's rewrite is queued without waiting and polled on every replica.
    const waited =
      'ALTER TABLE events_local ON CLUSTER tp_cluster\nMATERIALIZE COLUMN stored_at SETTINGS mutations_sync = 2'
    expect(statements).toContain(waited)
    expect(commands).toEqual([
      schema.schemaMigrationsDdl,
      ...statements.map((s) =>
        s === waited
          ? 'ALTER TABLE events_local ON CLUSTER tp_cluster MATERIALIZE COLUMN stored_at SETTINGS mutations_sync = 0'
          : s,
      ),
    ])
    expect(
      queries.filter((q) => q.includes("clusterAllReplicas('tp_cluster', system.mutations)")),
    ).toHaveLength(3)
  })
})
