import type { EventStore } from '../types'
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL, type Migration } from './migrations'
import { runWaitedMutation, waitedMutation, type MutationPolling } from './waitedMutation'

/** The part of a store that migrations need. */
export type MigrationTarget = Pick<EventStore, 'command' | 'query' | 'insert'>

/**
 * Brings the schema up to date: creates `schema_migrations`, then runs each migration whose
 * version it does not hold yet and records it. Idempotent, and safe when two processes start at
 * once, because every statement is `IF NOT EXISTS` and the version table is keyed by version.
 * A statement that rewrites parts and asks to be waited for (`SETTINGS mutations_sync = 2`) is
 * queued and then polled ({@link runWaitedMutation}), so no request outlasts the client's
 * timeout, and a start after one that died waits for the rewrite it left running.
 *
 * @param db - The store's raw primitives.
 * @param migrations - The migrations to apply, in order.
 * @param schemaMigrationsDdl - The version table's DDL (a cluster's differs).
 * @param polling - How a waited mutation is polled.
 * @default migrations MIGRATIONS
 * @default schemaMigrationsDdl SCHEMA_MIGRATIONS_DDL
 * @returns The versions this call applied (empty when the schema was current).
 */
export async function applyMigrations(
  db: MigrationTarget,
  migrations: readonly Migration[] = MIGRATIONS,
  schemaMigrationsDdl: string = SCHEMA_MIGRATIONS_DDL,
  polling?: MutationPolling,
): Promise<number[]> {
  await db.command(schemaMigrationsDdl)
  const rows = await db.query<{ version: number | string }>(
    'SELECT DISTINCT version FROM schema_migrations',
  )
  const done = new Set(rows.map((row) => Number(row.version)))
  const applied: number[] = []
  for (const migration of migrations) {
    if (done.has(migration.version)) continue
    for (const statement of migration.statements) {
      const mutation = waitedMutation(statement)
      if (mutation) await runWaitedMutation(db, mutation, polling)
      else await db.command(statement)
    }
    await db.insert('schema_migrations', [{ version: migration.version, name: migration.name }])
    applied.push(migration.version)
  }
  return applied
}
