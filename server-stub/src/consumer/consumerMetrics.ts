import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { KafkaConsumerObserver } from '../bus/kafkaConsumer'
import { createMetricsRegistry } from '../http/metricsRegistry'

/** Insert latency buckets, seconds: a batch of 1000 rows takes tens of ms on a healthy store. */
const INSERT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** The consumer role's metrics and the state its health reads. */
export interface ConsumerMetrics {
  /** The registry they are in. */
  registry: Registry
  /** Hand to `createKafkaConsumer`: counts failed batches, dead letters and commits. */
  observer: Required<KafkaConsumerObserver>
  /** Seconds per store insert (one per batch, more when a refused batch is split). */
  insertSeconds: Histogram
  /** Sets the lag per partition shown at the next render (refreshed before each scrape). */
  setLag(lag: Record<string, number>): void
  /** When the last commit happened, ms; undefined before the first. */
  lastCommitAt(): number | undefined
  /** Since when batches fail without one succeeding in between, ms; undefined when not failing. */
  failingSince(): number | undefined
}

/**
 * Creates the consumer's metrics: `trackpoint_consumer_lag_messages{partition}`,
 * `…_last_commit_timestamp_seconds`, `…_batches_failed_total`, `…_rows_dead_lettered_total` and
 * `…_insert_seconds`.
 *
 * @param now - The clock, ms.
 * @param registry - Where they go; the server's one, shared by its roles.
 * @default now Date.now
 * @default registry a new one with the default process metrics
 */
export function createConsumerMetrics(
  now: () => number = Date.now,
  registry: Registry = createMetricsRegistry(),
): ConsumerMetrics {
  const registers = [registry]
  let lag: Record<string, number> = {}
  let lastCommit: number | undefined
  let failing: number | undefined
  new Gauge({
    name: 'trackpoint_consumer_lag_messages',
    help: 'Messages on the topic not yet committed by this consumer, per partition it committed.',
    labelNames: ['partition'],
    registers,
    collect() {
      this.reset()
      for (const [partition, value] of Object.entries(lag)) this.set({ partition }, value)
    },
  })
  new Gauge({
    name: 'trackpoint_consumer_last_commit_timestamp_seconds',
    help: 'When this consumer last committed offsets (Unix time); 0 before the first commit.',
    registers,
    collect() {
      this.set((lastCommit ?? 0) / 1000)
    },
  })
  // Counters without labels are shown as 0 from the start, so a rate() over them works before
  // the first failure.
  const failed = new Counter({
    name: 'trackpoint_consumer_batches_failed_total',
    help: 'Batch attempts that failed and will be retried (store down, dead-letter topic down).',
    registers,
  })
  const deadLettered = new Counter({
    name: 'trackpoint_consumer_rows_dead_lettered_total',
    help: 'Messages sent to the dead-letter topic: not events, invalid, outside the time window, or refused by the store.',
    registers,
  })
  const insertSeconds = new Histogram({
    name: 'trackpoint_consumer_insert_seconds',
    help: 'Duration of store inserts, in seconds.',
    buckets: INSERT_BUCKETS,
    registers,
  })
  return {
    registry,
    insertSeconds,
    observer: {
      batchFailed() {
        failed.inc()
        failing ??= now()
      },
      deadLettered: (count) => deadLettered.inc(count),
      committed() {
        lastCommit = now()
        failing = undefined
      },
    },
    setLag: (value) => (lag = value),
    lastCommitAt: () => lastCommit,
    failingSince: () => failing,
  }
}
