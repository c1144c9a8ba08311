import { createHmac, randomUUID } from 'node:crypto'
import { runWaitedMutation, type WaitedMutation } from '../store/waitedMutation'
import type { EventStore } from '../types'

/**
 * Erasure of a person (`DELETE /api/admin/users/{user_id}`, issue 14; GDPR art. 17, PIPL art. 47):
 * every event stored under the user id or under an anonymous id first linked to it, the links
 * themselves, the rollup's states built from them and the overview snapshots, then one audit row
 * that never holds the ids in clear.
 *
 * Order matters, and each step waits for ClickHouse to finish so that once this resolves the
 * stats no longer count the person. A mutation is queued and then polled in `system.mutations`
 * (store/waitedMutation.ts), not waited for in one request: on a big store the rewrite outlasts
 * the client's request timeout (30 s), which failed the erasure half-way while the rewrite went
 * on.
 * 1. the person's ids are read (the user id and its anonymous ids), and their rows counted;
 * 2. their events are deleted (a mutation rewrites the parts that hold them: the data is gone
 *    from disk, not only hidden);
 * 3. the rollup's rows of the UTC days they had page views on are deleted and rebuilt from the
 *    remaining events (a distinct-count state cannot have one id taken out);
 * 4. their links are deleted;
 * 5. the audit row is written. Overview snapshots built before it are ignored from then on
 *    (SNAPSHOT_SQL), and the stats role's remembered numbers carry the erasure count in their
 *    key, so nothing computed from the erased rows is reused; the old snapshots are deleted too.
 * A replayed event of the person arriving later is stored again (the bus may still hold it):
 * erase after the bus's retention, or again, to be sure. Running it twice is harmless: the
 * second run finds nothing to remove and records that.
 */

/** What an erasure did, as `DELETE /api/admin/users/{user_id}` answers it. */
export interface ErasureResult {
  /** The audit row's id. */
  erasure_id: string
  /** Anonymous ids first linked to the user, erased with it. */
  anonymous_ids: number
  /** Rows of `events` removed (replayed copies included). */
  rows_removed: number
  /** Salted hash of the user id, as the audit table keeps it. */
  subject_hash: string
}

/** Options of {@link eraseUser}. */
export interface EraseUserOptions {
  /** Who asked, as the audit records it (a token's role and fingerprint, never the token). */
  requestedBy: string
  /**
   * The key of the audit's HMAC-SHA256 of the user id (`TRACKPOINT_ERASURE_SALT`): the same id
   * always gives the same hash, so a later request can be checked against the audit, while the
   * table alone does not reveal the id.
   */
  salt: string
  /**
   * How long the erasure waits, in all, for ClickHouse to rewrite the parts; then it throws
   * `MutationStillRunning` (store/waitedMutation.ts) while ClickHouse goes on, and a second call
   * waits for the same deletions instead of queueing them again. @default ERASURE_WAIT_MS
   */
  waitMs?: number
}

/** How long an erasure waits for ClickHouse's rewrites by default: 10 minutes. */
export const ERASURE_WAIT_MS = 10 * 60_000

/** A ClickHouse string literal: EventStore.command takes no parameters. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

const sqlList = (values: readonly string[]) => `(${values.map(sqlString).join(', ')})`

/** The audit's hash of a user id. */
export function subjectHash(userId: string, salt: string): string {
  return createHmac('sha256', salt).update(userId).digest('hex')
}

/**
 * Erases a person; see the module comment for what and in which order.
 *
 * @param store - The event store (a single server: on a cluster the mutations would have to
 *   run on the `_local` tables ON CLUSTER, which this does not do yet).
 * @param userId - The identified user id (or an anonymous id, erased alone).
 * @param options - Who asks, and the audit's salt.
 */
export async function eraseUser(
  store: EventStore,
  userId: string,
  options: EraseUserOptions,
): Promise<ErasureResult> {
  const anonymous = (
    await store.query<{ id: string }>(
      `SELECT anonymous_id AS id FROM identity_links
       GROUP BY anonymous_id HAVING min(first_link).2 = {user:String}`,
      { user: userId },
    )
  ).map((row) => row.id)
  const ids = [userId, ...anonymous]
  const [counted] = await store.query<{ rows: number | string; days: string[] }>(
    `SELECT count() AS rows,
       arraySort(groupUniqArrayIf(toString(event_date), event_name = 'page_view')) AS days
     FROM events WHERE user_id IN {ids:Array(String)}`,
    { ids },
  )
  const giveUpAt = Date.now() + (options.waitMs ?? ERASURE_WAIT_MS)
  const mutate = (mutation: WaitedMutation) =>
    runWaitedMutation(store, mutation, { timeoutMs: Math.max(0, giveUpAt - Date.now()) })
  const rows = Number(counted?.rows ?? 0)
  const days = counted?.days ?? []
  if (rows > 0) {
    await mutate({
      table: 'events',
      command: `DELETE WHERE user_id IN ${sqlList(ids)}`,
    })
  }
  if (days.length > 0) {
    const dayList = `(${days.map((day) => `toDate(${sqlString(day)})`).join(', ')})`
    await mutate({
      table: 'page_views_daily',
      command: `DELETE WHERE event_date IN ${dayList}`,
    })
    // The same SELECT as the rollup's view; each rebuilt row counts the rows it was rebuilt
    // from, so a reader's fingerprint of those days changes.
    await store.command(`INSERT INTO page_views_daily (event_date, page, views, viewers, inserted_rows)
      SELECT event_date, page, uniqExactState(event_id), uniqExactState(user_id), count()
      FROM events WHERE event_name = 'page_view' AND event_date IN ${dayList}
      GROUP BY event_date, page`)
  }
  // Every link the user is in: its own anonymous ids, and rows that name it as a later user of
  // another person's device (they hold its id in clear, and never decide a person: min wins).
  await mutate({
    table: 'identity_links',
    command: `DELETE WHERE anonymous_id IN ${sqlList(ids)} OR first_link.2 = ${sqlString(userId)}`,
  })
  const result: ErasureResult = {
    erasure_id: randomUUID(),
    anonymous_ids: anonymous.length,
    rows_removed: rows,
    subject_hash: subjectHash(userId, options.salt),
  }
  await store.insert('erasures', [
    {
      erasure_id: result.erasure_id,
      subject_hash: result.subject_hash,
      requested_by: options.requestedBy,
      anonymous_ids: result.anonymous_ids,
      rows_removed: result.rows_removed,
    },
  ])
  // Kept builds of paths hold session ids with their pages. Those started before the audit row
  // are never used; they are caches, so they are dropped whole (no mutation to wait for). A
  // build still running stores its sessions after this and deletes them itself on seeing the
  // audit row (stats/pathBuilds.ts, dropIfErasedMeanwhile).
  for (const table of ['path_builds', 'path_sessions', 'path_counts']) {
    await store.command(`TRUNCATE TABLE ${table}`)
  }
  // Snapshots built before the audit row are ignored already; this removes their states.
  await mutate({
    table: 'overview_snapshots',
    command: 'DELETE WHERE built_at <= (SELECT max(erased_at) FROM erasures)',
  })
  return result
}
