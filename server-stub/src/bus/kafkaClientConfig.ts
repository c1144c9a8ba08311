import type { Logger } from '../http/logger'
import { createJsonLogger } from '../http/logger'

/** The topic the collector writes accepted events to: 8 partitions, key user_id, lz4. */
export const TRACKING_TOPIC = 'tracking_events'

/** Where the consumer puts messages it cannot parse, with the reason in a header. */
export const DEAD_LETTER_TOPIC = 'tracking_events_dlq'

/** Header of a dead-letter message that says why it was set aside. */
export const DEAD_LETTER_REASON_HEADER = 'x-trackpoint-dlq-reason'

/**
 * Options every Kafka client of the bus shares.
 */
export interface KafkaClientOptions {
  /**
   * Bootstrap brokers: `host:port` strings, or one comma-separated string as in `KAFKA_BROKERS`.
   */
  brokers: string[] | string
  /**
   * Client id the broker shows in its logs and quotas; a suffix per role is appended.
   * @default 'trackpoint'
   */
  clientId?: string
  /**
   * Where connection and send errors are logged (one JSON object per entry).
   * @default a JSON logger on stderr
   */
  logger?: Logger
}

/**
 * Splits `KAFKA_BROKERS`-style input into `host:port` strings.
 *
 * @throws Error when no broker is given: a bus without brokers cannot do anything.
 */
export function parseKafkaBrokers(brokers: string[] | string): string[] {
  const list = (Array.isArray(brokers) ? brokers : brokers.split(','))
    .map((broker) => broker.trim())
    .filter(Boolean)
  if (!list.length) {
    throw new Error('Kafka needs at least one broker: set KAFKA_BROKERS to host:port[,host:port]')
  }
  return list
}

/** The logger of a Kafka client: the caller's, or JSON lines on stderr. */
export function kafkaLogger(options: KafkaClientOptions): Logger {
  return options.logger ?? createJsonLogger(process.stderr)
}

/** A short, log-friendly description of an error and its causes. */
export function describeKafkaError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const parts = [error.message]
  // @platformatic/kafka wraps the broker's errors in AggregateErrors and `cause` chains.
  const nested = error instanceof AggregateError ? error.errors : []
  for (const inner of nested.slice(0, 3)) parts.push(describeKafkaError(inner))
  if (error.cause !== undefined && !nested.length) parts.push(describeKafkaError(error.cause))
  return [...new Set(parts)].join(': ')
}

/** Resolves after `ms`, or at once when `signal` aborts (stop must not wait out a backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * Rejects with `message` when `work` takes longer than `ms`. Every request to the broker goes
 * through it: a request caught by a broker restart can stay unanswered for good.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  const timer = new AbortController()
  try {
    return await Promise.race([
      work,
      sleep(ms, timer.signal).then(() => {
        throw new Error(`${message} within ${ms} ms`)
      }),
    ])
  } finally {
    timer.abort()
  }
}

/** Settles when `work` settles or after `timeoutMs`, whichever is first; never rejects. */
export async function settleWithin(work: Promise<unknown> | undefined, timeoutMs: number) {
  await Promise.race([work?.catch(() => undefined), sleep(timeoutMs)])
}

/**
 * Closes a producer or consumer with `force` (a consumer also closes its streams before it
 * leaves the group). Never rejects, and gives up after 5 s: a broker that went away must not
 * hold up a stop. Not for an Admin client, whose `close(callback)` would take `true` for its
 * callback.
 */
export async function closeKafkaClient(
  client: { close(force?: boolean): Promise<void> } | undefined,
) {
  await settleWithin(client?.close(true), 5000)
}
