import type { AcceptedEvent, BatchHandler, EventBus } from '../types'
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
 *
 * @param handler - Stores a batch, e.g. the consumer's batch handler over chdb.
 * @param options - Grouping bounds.
 */
export function createMemoryBus(handler: BatchHandler, options: MemoryBusOptions = {}): EventBus {
  const maxGroupEvents = options.maxGroupEvents ?? 10_000
  const group = createGroupCommit((events: AcceptedEvent[]) => handler.handle(events), {
    maxItems: maxGroupEvents,
  })
  let closed = false

  return {
    publish(events) {
      if (closed) return Promise.reject(new Error('the memory bus is closed'))
      if (!events.length) return Promise.resolve()
      return group.submit(events)
    },
    connected: () => !closed,
    async close() {
      closed = true
      // Publishes already accepted are finished, not dropped: their senders wait for the answer.
      await group.idle()
    },
  }
}
