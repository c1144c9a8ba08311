import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL, type Migration } from './migrations'

/** Where the store's tables live on a ClickHouse cluster (`createHttpStore(url, {}, {cluster})`). */
export interface ClusterOptions {
  /** The cluster's name in the servers' `remote_servers` configuration (`ON CLUSTER …`). */
  cluster: string
}

/** The schema for a cluster: the version table's DDL and the migrations, rewritten. */
export interface ClusterSchema {
  schemaMigrationsDdl: string
  migrations: Migration[]
}

/**
 * Tables split across the shards: a `<name>_local` Replicated table on every shard and a
 * `Distributed` table `<name>` over them, with the key that picks an inserted row's shard.
 * `events` is sharded by user: every event of a user — so every copy of one event_id, and every
 * impression of one (user, delivery) — lands on one shard, which is why FINAL (the collapse of
 * replays) and §六's per-user fold stay exact when each shard computes its part. The rollup is
 * written only by its materialized view on each shard's own `events_local`, so its key matters
 * only for the backfill; its exact states merge across shards when read. identity_links, also
 * written by a view on each shard, is read whole (GLOBAL JOIN, see stats/personSql.ts): its `min`
 * merges across shards like the rollup's states.
 */
const SHARDED: Record<string, string> = {
  events: 'cityHash64(user_id)',
  page_views_daily: 'cityHash64(page)',
  identity_links: 'cityHash64(anonymous_id)',
}

/**
 * Small tables every node holds whole (replicated across the cluster, not sharded): the
 * version table, target users per delivery, and overview snapshots (built from the Distributed
 * rollup, read back by their build id from whichever node the stats role asks), the
 * erasure audit, and the collectors' refusal tallies (a few rows per collector and minute, kept
 * three hours, read whole by the health view).
 */
const GLOBAL = new Set([
  'schema_migrations',
  'deliveries',
  'overview_snapshots',
  'partner_tokens',
  'erasures',
  'collector_refusals',
  'path_builds',
  'path_sessions',
  'path_counts',
])

const CLUSTER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Whether `name` can stand as a cluster's name in `ON CLUSTER` and `Distributed(...)` as it is:
 * a plain identifier, nothing to quote.
 */
export function isClusterName(name: string): boolean {
  return CLUSTER_NAME.test(name)
}

const CREATE_TABLE =
  /^CREATE TABLE IF NOT EXISTS (\w+) \(([\s\S]*)\) ENGINE = (ReplacingMergeTree|MergeTree|AggregatingMergeTree|SummingMergeTree)(\(([^)]*)\))?([\s\S]*)$/
const CREATE_VIEW = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+)\nTO (\w+) AS ([\s\S]*)$/
const ALTER_TABLE = /^ALTER TABLE (\w+)\n([\s\S]*)$/
const DROP_VIEW = /^DROP VIEW IF EXISTS (\w+)$/
const INSERT_SELECT = /^INSERT INTO (\w+) (SELECT[\s\S]*)$/

/** A Replicated engine with its keeper path and replica name, keeping the engine's own args. */
function replicated(engine: string, args: string | undefined, path: string): string {
  const extra = args?.trim() ? `, ${args.trim()}` : ''
  return `Replicated${engine}('${path}', '{replica}'${extra})`
}

/** Rewrites one statement of {@link MIGRATIONS} for the cluster; throws on a form it does not know. */
function rewrite(statement: string, cluster: string): string[] {
  const on = `ON CLUSTER ${cluster}`
  let m: RegExpExecArray | null
  if ((m = CREATE_TABLE.exec(statement))) {
    const [, name, columns, engine, , args, rest] = m as unknown as string[]
    if (SHARDED[name!]) {
      const local = `${name}_local`
      const path = `/clickhouse/tables/{shard}/{database}/${local}`
      return [
        `CREATE TABLE IF NOT EXISTS ${local} ${on} (${columns}) ENGINE = ${replicated(engine!, args, path)}${rest}`,
        `CREATE TABLE IF NOT EXISTS ${name} ${on} AS ${local}\nENGINE = Distributed('${cluster}', currentDatabase(), '${local}', ${SHARDED[name!]})`,
      ]
    }
    if (GLOBAL.has(name!)) {
      const path = `/clickhouse/tables/global/{database}/${name}`
      return [
        `CREATE TABLE IF NOT EXISTS ${name} ${on} (${columns}) ENGINE = ${replicated(engine!, args, path)}${rest}`,
      ]
    }
    throw new Error(`clusterMigrations: table ${name} is neither sharded nor global; classify it`)
  }
  if ((m = CREATE_VIEW.exec(statement))) {
    const [, view, target, select] = m as unknown as string[]
    if (!SHARDED[target!])
      throw new Error(`clusterMigrations: view ${view} writes to ${target}, not a sharded table`)
    // A materialized view fires on inserts into its source: on each shard that is the local
    // table the Distributed `events` forwards rows to, so it reads and writes local tables.
    const local = select!.replace(/\bFROM (\w+)\b/g, (whole, source: string) =>
      SHARDED[source] ? `FROM ${source}_local` : whole,
    )
    return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} ${on}\nTO ${target}_local AS ${local}`]
  }
  if ((m = ALTER_TABLE.exec(statement))) {
    const [, name, change] = m as unknown as string[]
    if (SHARDED[name!]) {
      // A mutation rewrites stored parts and a skip index describes them: only the local
      // tables have parts.
      if (/^(MATERIALIZE|ADD INDEX) /.test(change!)) {
        return [`ALTER TABLE ${name}_local ${on}\n${change}`]
      }
      // The Distributed table mirrors the local one's columns: both change.
      return [`ALTER TABLE ${name}_local ${on}\n${change}`, `ALTER TABLE ${name} ${on}\n${change}`]
    }
    if (GLOBAL.has(name!)) return [`ALTER TABLE ${name} ${on}\n${change}`]
    throw new Error(`clusterMigrations: ALTER of unknown table ${name}`)
  }
  if ((m = DROP_VIEW.exec(statement))) return [`DROP VIEW IF EXISTS ${m[1]} ${on}`]
  // Through the Distributed tables: reads every shard, writes by the target's sharding key.
  if (INSERT_SELECT.exec(statement)) return [statement]
  throw new Error(`clusterMigrations: no cluster form for: ${statement.slice(0, 80)}`)
}

/**
 * The store's schema for a ClickHouse cluster, generated from the same migrations as the single
 * server's: Replicated engines (keeper paths with the `{shard}`, `{replica}` and `{database}`
 * macros, which each server defines), `ON CLUSTER` on every DDL, `events` sharded by
 * `cityHash64(user_id)` behind a `Distributed` table of the same name — so the consumer's
 * inserts and the stats' queries run unchanged. Every node needs `{replica}` unique across the
 * whole cluster (the global tables share one replica set).
 *
 * @param options - The cluster's name.
 * @param migrations - The single-server migrations. @default MIGRATIONS
 * @throws Error for a bad cluster name, or a statement without a cluster form (a new migration
 *   must be classified here; the unit test lists every generated statement).
 */
export function clusterSchema(
  options: ClusterOptions,
  migrations: readonly Migration[] = MIGRATIONS,
): ClusterSchema {
  if (!isClusterName(options.cluster)) {
    throw new Error(
      `cluster must be a plain identifier such as trackpoint_cluster; got ${JSON.stringify(options.cluster)}`,
    )
  }
  const [schemaMigrationsDdl] = rewrite(SCHEMA_MIGRATIONS_DDL, options.cluster)
  return {
    schemaMigrationsDdl: schemaMigrationsDdl!,
    migrations: migrations.map((migration) => ({
      ...migration,
      statements: migration.statements.flatMap((s) => rewrite(s, options.cluster)),
    })),
  }
}
