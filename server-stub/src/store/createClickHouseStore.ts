import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { EventStore } from '../types'
import { applyMigrations } from './applyMigrations'
import { clusterSchema, type ClusterOptions } from './clusterMigrations'

/**
 * Settings every store sends, so that rows look the same from chdb and from a server:
 * 64-bit integers as JSON numbers (counts stay far below 2^53; ClickHouse servers quote them by
 * default, chdb does not) and dates read in UTC whatever the server's time zone is.
 */
export const STORE_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 0,
  session_timezone: 'UTC',
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/

/** Options of {@link createClickHouseStore}. */
export interface ClickHouseStoreOptions {
  /** Runs after the client closed, e.g. to release chdb's data directory. */
  onClose?: () => Promise<void>
  /**
   * A ClickHouse cluster to create the schema on (Replicated + Distributed tables, sharded by
   * user; see {@link clusterSchema}). Unset: one server, the plain migrations.
   */
  cluster?: ClusterOptions
}

/**
 * Wraps a `@clickhouse/client` client (over HTTP, or over chdb with `chdb/connection`) as an
 * {@link EventStore}. Both stores go through here, so they share the SQL, the migrations, the
 * insert format and the row shapes.
 *
 * @param client - A client created with {@link STORE_SETTINGS}.
 * @param options - Hooks for the embedded store.
 */
export function createClickHouseStore(
  client: ClickHouseClient,
  options: ClickHouseStoreOptions = {},
): EventStore {
  let closed: Promise<void> | undefined
  const store: EventStore = {
    async migrate(polling = {}) {
      if (!options.cluster) await applyMigrations(store, undefined, undefined, polling)
      else {
        const schema = clusterSchema(options.cluster)
        await applyMigrations(store, schema.migrations, schema.schemaMigrationsDdl, polling)
      }
    },
    async insert(table, rows) {
      if (!TABLE_NAME.test(table)) {
        throw new TypeError(`insert: table must be a plain [db.]name, got ${JSON.stringify(table)}`)
      }
      if (rows.length === 0) return
      await client.insert({ table, values: rows, format: 'JSONEachRow' })
    },
    async query<T>(sql: string, params?: Record<string, unknown>) {
      const result = await client.query({ query: sql, format: 'JSONEachRow', query_params: params })
      return result.json<T>()
    },
    async command(sql, params) {
      await client.command({ query: sql, query_params: params })
    },
    async connected() {
      if (closed) return false
      try {
        return (await client.ping()).success
      } catch {
        return false
      }
    },
    close() {
      closed ??= client.close().then(() => options.onClose?.())
      return closed
    },
  }
  return store
}
