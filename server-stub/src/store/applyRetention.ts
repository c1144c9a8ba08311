import type { EventStore } from '../types'

/** Tables whose rows leave by `event_date` (the raw events and the page-view rollup). */
export const RETAINED_TABLES = ['events', 'page_views_daily'] as const

/**
 * Sets the TTL of {@link RETAINED_TABLES} to `event_date + INTERVAL days DAY`
 * (`TRACKPOINT_RETENTION_DAYS`), at start, after the migrations. Not a migration: it is
 * configuration, and may go up or down between starts.
 *
 * Safe on a big table: a table whose TTL already says so is left alone (no statement, no
 * mutation), and the change is made with `materialize_ttl_after_modify = 0`, so ClickHouse does
 * not rewrite every part at once: parts take the new TTL at their next merge. Until then rows
 * beyond a shortened retention may still be stored, but they are never counted (the stats and
 * the accepted window start at the same first retained day) and the next merge drops them.
 * A longer retention cannot bring back rows a shorter one already removed.
 *
 * @param store - The event store (one server; on a cluster the `_local` tables would need it).
 * @param days - Days to keep, ≥ 1.
 * @returns The tables whose TTL it changed.
 */
export async function applyRetention(store: EventStore, days: number): Promise<string[]> {
  if (!Number.isSafeInteger(days) || days < 1) {
    throw new RangeError(`retention must be a whole number of days ≥ 1, got ${days}`)
  }
  const rows = await store.query<{ name: string; ddl: string }>(
    `SELECT name, create_table_query AS ddl FROM system.tables
     WHERE database = currentDatabase() AND name IN {names:Array(String)}`,
    { names: [...RETAINED_TABLES] },
  )
  const changed: string[] = []
  for (const { name, ddl } of rows) {
    if (ddl.includes(`TTL event_date + toIntervalDay(${days})`)) continue
    await store.command(
      `ALTER TABLE ${name} MODIFY TTL event_date + INTERVAL ${days} DAY SETTINGS materialize_ttl_after_modify = 0`,
    )
    changed.push(name)
  }
  return changed
}
