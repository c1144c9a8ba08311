import type { MigrationTarget } from './applyMigrations'

/**
 * A migration statement that rewrites stored parts and is waited for: an `ALTER TABLE … ` ending
 * in `SETTINGS mutations_sync = 2` (migration 9's `MATERIALIZE COLUMN`, as a single server or a
 * cluster runs it).
 */
export interface WaitedMutation {
  /** The table whose parts it rewrites (`events`, or `events_local` on a cluster). */
  table: string
  /** The cluster of `ON CLUSTER`, whose replicas each run it; undefined on one server. */
  cluster?: string
  /** What it does, as `system.mutations.command` shows it (`MATERIALIZE COLUMN stored_at`). */
  command: string
}

const WAITED =
  /^ALTER TABLE (\w+)(?: ON CLUSTER (\w+))?\s+([\s\S]+?)\s+SETTINGS mutations_sync = 2$/

/** The mutation `statement` asks to wait for, or undefined for any other statement. */
export function waitedMutation(statement: string): WaitedMutation | undefined {
  const match = WAITED.exec(statement.trim())
  if (!match) return undefined
  const [, table, cluster, command] = match as unknown as (string | undefined)[]
  return { table: table!, command: command!, ...(cluster ? { cluster } : {}) }
}

/** How {@link runWaitedMutation} polls. */
export interface MutationPolling {
  /** The longest wait between two reads of `system.mutations` (the first is 50 ms). @default 500 */
  intervalMs?: number
  /** Called with the parts left on each read while the mutation runs (a start's log line). */
  onProgress?: (partsToDo: number) => void
  /**
   * How long to wait at most; then {@link MutationStillRunning} is thrown while ClickHouse goes
   * on (run again to wait for the same mutation: it is found, not queued twice). Unbounded when
   * absent: a start waits as long as its migration's rewrite takes, logging its progress.
   */
  timeoutMs?: number
}

/** A waited mutation that was not done within its `timeoutMs`; ClickHouse goes on with it. */
export class MutationStillRunning extends Error {
  constructor(
    readonly mutation: WaitedMutation,
    readonly partsToDo: number,
  ) {
    super(
      `the mutation "${mutation.command}" of ${mutation.table} is still running in ClickHouse ` +
        `(${partsToDo} parts to go); run again to wait for it`,
    )
    this.name = 'MutationStillRunning'
  }
}

interface PendingRow {
  pending: number | string
  parts_to_do: number | string
  fail_reason: string
}

/**
 * Runs a mutation and waits for it without holding one request open while it runs: queued with
 * `mutations_sync = 0`, then `system.mutations` read (every `intervalMs` at most) until it is
 * done — on every replica of a cluster. A request that waited would fail on a big store once
 * the client's request timeout (30 s by default) passed, while the rewrite went on in
 * ClickHouse. What is waited for: every mutation of the table queued from the moment this one
 * is (found by the ids that were not there before: this one, and any queued beside it), and
 * every unfinished one that does the same `command` — so a migration's start after one that
 * died waits for the rewrite it left running instead of queueing a second.
 *
 * @throws Error with ClickHouse's reason when a mutation waited for fails (it stays queued and
 *   ClickHouse retries it: fix the cause, or `KILL MUTATION`, and run again).
 * @throws {@link MutationStillRunning} when `polling.timeoutMs` passed first.
 */
export async function runWaitedMutation(
  db: MigrationTarget,
  mutation: WaitedMutation,
  polling: MutationPolling = {},
): Promise<void> {
  const intervalMs = polling.intervalMs ?? 500
  const source = mutation.cluster
    ? `clusterAllReplicas('${mutation.cluster}', system.mutations)`
    : 'system.mutations'
  // A mutation's id is unique in its table on one server (or one shard's replicas): with the
  // host it is unique across a cluster.
  const ofTable = `FROM ${source}
    WHERE database = currentDatabase() AND table = {table:String}`
  const key = `concat(hostName(), '/', mutation_id)`
  const before = (
    await db.query<{ key: string }>(`SELECT ${key} AS key ${ofTable}`, { table: mutation.table })
  ).map((row) => row.key)
  // ClickHouse shows the command in parentheses or not depending on its version, so it is
  // found as a substring.
  const pending = () =>
    db
      .query<PendingRow>(
        `SELECT countIf(NOT is_done) AS pending, sumIf(parts_to_do, NOT is_done) AS parts_to_do,
           anyIf(latest_fail_reason, NOT is_done AND latest_fail_reason != '') AS fail_reason
         ${ofTable}
           AND (position(command, {command:String}) > 0 OR ${key} NOT IN {before:Array(String)})`,
        { table: mutation.table, command: mutation.command, before },
      )
      .then(([row]) => row ?? { pending: 0, parts_to_do: 0, fail_reason: '' })
  const giveUpAt = Date.now() + (polling.timeoutMs ?? Infinity)
  let state = await pending()
  if (Number(state.pending) === 0) {
    const on = mutation.cluster ? ` ON CLUSTER ${mutation.cluster}` : ''
    await db.command(
      `ALTER TABLE ${mutation.table}${on} ${mutation.command} SETTINGS mutations_sync = 0`,
    )
    state = await pending()
  }
  // A small store's rewrite is over in milliseconds: the waits grow from 50 ms to intervalMs.
  for (let wait = Math.min(50, intervalMs); Number(state.pending) > 0;) {
    if (state.fail_reason) {
      throw new Error(
        `the mutation "${mutation.command}" of ${mutation.table} fails: ${state.fail_reason} ` +
          '(ClickHouse keeps retrying it: fix the cause or KILL MUTATION, then run again)',
      )
    }
    polling.onProgress?.(Number(state.parts_to_do))
    if (Date.now() >= giveUpAt) throw new MutationStillRunning(mutation, Number(state.parts_to_do))
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, giveUpAt - Date.now())))
    wait = Math.min(wait * 2, intervalMs)
    state = await pending()
  }
}
