/**
 * ClickHouse stores behind the {@link EventStore} interface: embedded (chdb) or over HTTP, with
 * the same schema and SQL.
 *
 * @packageDocumentation
 */
export { createChdbStore } from './createChdbStore'
export { createHttpStore } from './createHttpStore'
export { STORE_SETTINGS, createClickHouseStore } from './createClickHouseStore'
export type { ClickHouseStoreOptions } from './createClickHouseStore'
export { applyMigrations, type MigrationTarget } from './applyMigrations'
export { EVENT_TABLES, MIGRATIONS, type Migration } from './migrations'
export { clusterSchema, type ClusterOptions, type ClusterSchema } from './clusterMigrations'
export { toEventRow, type EventRow } from './eventRow'
