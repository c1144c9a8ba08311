import type { AcceptedEvent, BatchHandler, BatchOutcome, EventBus } from '../types'
import { createGroupCommit } from './groupCommit'

/** Options of {@link createMemoryBus}. */
export interface MemoryBusOptions {
  /**
   * Most events handed to the handler in one call when publishes are grouped.
   * @default 10000
   */
  maxGroupEvents?: number
}

/**
 * The embedded bus of the one-machine deployment: `publish` resolves only after
 * `handler.handle` stored the events, so the collector's 2xx means stored, exactly as with
 * Kafka's acks=all.
 *
 * Calls to the handler never overlap: the consumer's §六 dedup state must see one batch after
 * another, as it does per Kafka partition. Publishes that arrive while the handler is busy are
 * grouped into the next call (group commit), so many small requests cost few store inserts.
 * When a call fails, every publish grouped into it rejects (the collector answers 503 and the
 * SDK retries; the handler is idempotent on event_id, so a partly stored group is harmless).
 * The handler fails a call only when the store cannot take it; rows the store refuses on their
 * own come back in its result, and each publish resolves with just its own refused events, so
 * a bad row fails only the request that carried it.
 *
 * @param handler - Stores a batch, e.g. the consumer's batch handler over chdb.
 * @param options - Grouping bounds.
 */
export function createMemoryBus(handler: BatchHandler, options: MemoryBusOptions = {}): EventBus {
  const maxGroupEvents = options.maxGroupEvents ?? 10_000
  const group = createGroupCommit(
    async (events: AcceptedEvent[]): Promise<BatchOutcome> =>
      (await handler.handle(events)) ?? { refused: [] },
    { maxItems: maxGroupEvents },
  )
  let closed = false

  return {
    publish(events) {
      if (closed) return Promise.reject(new Error('the memory bus is closed'))
      if (!events.length) return Promise.resolve()
      return group.submit(events).then(({ refused }) => {
        if (!refused.length) return { refused }
        // The group's refused rows include other requests'; each request gets only its own.
        const own = new Set(events)
        return { refused: refused.filter(({ event }) => own.has(event)) }
      })
    },
    connected: () => !closed,
    async close() {
      closed = true
      // Publishes already accepted are finished, not dropped: their senders wait for the answer.
      await group.idle()
    },
  }
}
