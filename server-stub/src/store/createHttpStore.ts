import { createClient, type ClickHouseClientConfigOptions } from '@clickhouse/client'
import type { EventStore } from '../types'
import {
  STORE_SETTINGS,
  createClickHouseStore,
  type ClickHouseStoreOptions,
} from './createClickHouseStore'

/**
 * A store on a ClickHouse server or cluster over HTTP (`CLICKHOUSE_URL`), for the scaled
 * deployment. Same SQL, migrations and row mapping as {@link createChdbStore}; only the
 * connection differs.
 *
 * @param url - e.g. `http://user:password@clickhouse:8123/trackpoint` (the path names the
 *   database, which must exist).
 * @param config - Extra `@clickhouse/client` options (timeouts, TLS, …); `url` wins.
 * @param options - `cluster`: create the schema on a ClickHouse cluster (Replicated engines and
 *   a Distributed `events` sharded by user_id, see clusterMigrations.ts). @default one server
 * @example
 * ```ts
 * const store = createHttpStore(process.env.CLICKHOUSE_URL!)
 * await store.migrate()
 * ```
 */
export function createHttpStore(
  url: string,
  config: Omit<ClickHouseClientConfigOptions, 'url'> = {},
  options: Pick<ClickHouseStoreOptions, 'cluster'> = {},
): EventStore {
  const client = createClient({
    ...config,
    url,
    clickhouse_settings: { ...STORE_SETTINGS, ...config.clickhouse_settings },
  })
  return createClickHouseStore(client, options)
}
