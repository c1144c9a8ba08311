import { performance } from 'node:perf_hooks'
import type { ValidationError } from '@trackpoint/schema'
import { DEFAULT_LIMITS } from '../config'
import { acceptedWindow, checkEventTime, type TimeWindowLimits } from '../eventTimeWindow'
import { toEventRow, type EventRow } from '../store/eventRow'
import type { AcceptedEvent, BatchHandler, EventStore, RefusedEvent } from '../types'
import { insertIsolating } from './insertIsolating'
import { uncountableProblems } from '../plan/planPolicy'

/** Options of {@link createConsumerHandler}. */
export interface ConsumerHandlerOptions {
  /**
   * Receives each event that cannot be counted, with the reasons, for the dead-letter path
   * (Kafka: a dead-letter topic). Awaited before the batch counts as handled, so a dead letter
   * is not lost when the process dies; a rejection fails the batch, which is then replayed
   * (dead letters are at-least-once, like everything on the bus).
   * @default drops the event
   */
  onInvalid?: (event: unknown, errors: ValidationError[]) => void | Promise<void>
  /**
   * The table valid events go to.
   * @default 'events'
   */
  table?: string
  /**
   * The accepted window of event times. Events outside it are refused (`timestamp_in_future`
   * relative to when the collector received them, `timestamp_too_old` relative to now: the TTL
   * would delete them) instead of stored; the collector checks the same window, so only events
   * from an older collector or another producer meet this.
   * @default DEFAULT_LIMITS' maxFutureMs and maxPastDays
   */
  timeLimits?: TimeWindowLimits
  /** The clock, ms. @default Date.now */
  now?: () => number
  /** Told how long each store insert took, in seconds (metrics). @default nothing */
  onInsert?: (seconds: number) => void
}

/**
 * The consumer role: checks each event of a batch for what would keep it from being counted
 * (`uncountableProblems`: the common fields of §三, forbidden keys, the built-in fields the
 * §九 numbers read), sends those to `onInvalid` and inserts the others into the store, with
 * the plan version and unplanned marks the collector stamped. It does not judge events against
 * the tracking plan again: the collector did, under its policy, and an event it acknowledged
 * as unplanned must not be dead-lettered by a consumer on another plan version. `handle`
 * resolves only once both are done. Events whose
 * time is outside the accepted window, and rows the store refuses on their own (the batch is
 * split until they stand alone, see insertIsolating.ts), are not stored: `handle` resolves
 * with them, for the dead-letter topic. It rejects only when the store cannot take the batch
 * now (down, overloaded), so that the bus retries it with back-off. The bus commits
 * (Kafka offsets) after that, so a crash in between replays the batch.
 *
 * Replaying is harmless by construction, and that includes the §六 rule:
 * - `events` is a ReplacingMergeTree keyed on the event's own fields ending in event_id, and
 *   every stats query is exact over duplicates (FINAL, uniqExact or a duplicate-blind fold), so
 *   a second copy of an event changes no number, merged or not.
 * - §六 ("recommend_impression / recommend_click count once per (event, user, delivery) within
 *   24 h") is applied when the stats are read, not here. The consumer keeps every event and
 *   the stats fold each (event, user, delivery)'s timestamps in time order, counting one when
 *   it is at least 24 h after the last counted one. The count is then a pure function of the
 *   SET of stored events: it cannot depend on replays, on the order batches arrive in (an SDK
 *   sends a day-old offline event late), on which consumer took which partition, or on a crash
 *   between an insert and a state update — there is no state to get out of step. It also costs
 *   no ClickHouse query per event (the seed's §六 did one) and no query per batch.
 *   The alternative, a dedup state table read once per batch, would need its write to be
 *   atomic with the event insert and would decide by arrival order. The read-time fold costs
 *   little: the table's key makes it read only the one delivery's rows.
 *
 * @param store - Where valid events go.
 * @param options - Dead-letter hook and table.
 * @example
 * ```ts
 * const handler = createConsumerHandler(store, {
 *   onInvalid: (event, errors) => deadLetters.publish({ event, errors }),
 * })
 * await handler.handle(batch) // then commit offsets
 * ```
 */
export function createConsumerHandler(
  store: EventStore,
  options: ConsumerHandlerOptions = {},
): BatchHandler {
  const { onInvalid, table = 'events', now = Date.now } = options
  const timeLimits = options.timeLimits ?? DEFAULT_LIMITS
  return {
    async handle(events: AcceptedEvent[]) {
      const rows: { row: EventRow; event: AcceptedEvent }[] = []
      const refused: RefusedEvent[] = []
      const clock = now()
      const window = acceptedWindow(clock, timeLimits)
      const invalid: [unknown, ValidationError[]][] = []
      // Duplicates inside one batch (an SDK retry that raced its first send) would merge away
      // anyway; dropping them here just keeps parts smaller.
      const seen = new Set<string>()
      for (const event of events) {
        const errors = uncountableProblems(event)
        if (errors.length) {
          invalid.push([event, errors])
          continue
        }
        // The future bound is taken from when the collector received the event, so a consumer
        // that catches up late still stores what was in the window then.
        const received = typeof event.received_at === 'number' ? event.received_at : clock
        const late = checkEventTime(event.timestamp, {
          oldest: window.oldest,
          newest: received + timeLimits.maxFutureMs,
        })
        if (late) {
          refused.push({ event, code: late.code, reason: late.message })
          continue
        }
        const id = event.event_id.toLowerCase()
        if (seen.has(id)) continue
        seen.add(id)
        rows.push({ row: toEventRow(event), event })
      }
      // Valid events first: a failing dead-letter hook then replays a batch whose insert was
      // idempotent, rather than leaving valid events waiting on the dead-letter path.
      const refusedRows = await insertIsolating(
        async (part) => {
          const started = performance.now()
          try {
            await store.insert(
              table,
              part.map(({ row }) => row),
            )
          } finally {
            options.onInsert?.((performance.now() - started) / 1000)
          }
        },
        rows,
        { storeUp: () => store.connected() },
      )
      for (const { row, reason } of refusedRows) {
        refused.push({ event: row.event, code: 'store_refused', reason })
      }
      if (onInvalid) for (const [event, errors] of invalid) await onInvalid(event, errors)
      return { refused }
    },
  }
}
