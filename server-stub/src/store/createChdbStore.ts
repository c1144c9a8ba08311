import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { createClient, type ClickHouseClientConfigOptions } from '@clickhouse/client'
import { drainPending } from 'chdb'
import { createChdbConnection } from 'chdb/connection'
import type { EventStore } from '../types'
import { STORE_SETTINGS, createClickHouseStore } from './createClickHouseStore'

/**
 * The embedded store: the ClickHouse engine in this process (chdb), with its data under
 * `dataDir`, so that data survives a restart. It runs `@clickhouse/client` over
 * `chdb/connection`, the same client and SQL as {@link createHttpStore}.
 *
 * chdb binds ONE data directory per process: open one store per process (several stores on the
 * same directory are fine); to move to another directory, `await close()` first — it waits until
 * the engine has really let go of the directory.
 *
 * @param dataDir - Where ClickHouse keeps its data (`TRACKPOINT_DATA_DIR`); created if missing.
 * @throws Error when another data directory is open in this process.
 * @example
 * ```ts
 * const store = createChdbStore('.data/clickhouse')
 * await store.migrate()
 * ```
 */
export function createChdbStore(dataDir: string): EventStore {
  const path = resolve(dataDir)
  mkdirSync(path, { recursive: true })
  let connection: ReturnType<typeof createChdbConnection>
  try {
    connection = createChdbConnection({ path })
  } catch (cause) {
    throw new Error(
      `createChdbStore(${JSON.stringify(path)}): chdb holds one data directory per process; close the store on the other directory (await store.close()) or run it in another process`,
      { cause },
    )
  }
  // chdb types its Connection against the separate @clickhouse/client-common package, while
  // @clickhouse/client 1.23 checks it against its own bundled copy, whose settings list is newer;
  // the runtime contract is the same (it is the hook chdb/connection was written for).
  const client = createClient({
    connection: connection as unknown as ClickHouseClientConfigOptions['connection'],
    clickhouse_settings: STORE_SETTINGS,
  })
  // An aborted or still-running operation keeps the directory bound after close() returns;
  // drainPending() waits until it is free, so a later store on another directory can open.
  return createClickHouseStore(client, { onClose: () => drainPending() })
}
