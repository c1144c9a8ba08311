import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka'
import type { Logger } from '../http/logger'
import {
  parseRefusalTally,
  type RefusalTally,
  type RefusalTallySink,
} from '../stats/refusalTallies'
import { ensureTopic, type TopicSpec } from './ensureTopic'
import { followTopic } from './followTopic'
import type { RawMessage } from './kafkaDeadLetters'
import {
  closeKafkaClient,
  describeKafkaError,
  parseKafkaBrokers,
  settleWithin,
  withTimeout,
} from './kafkaClientConfig'

/** The topic of the collectors' refusal tallies: 1 partition, kept 3 hours. */
export const REFUSAL_TOPIC = 'tracking_refusals'

/** How the refusal topic is created when missing: the table keeps tallies as long (TTL). */
const topicSpec = (topic: string): TopicSpec => ({
  topic,
  purpose: 'refusal tallies',
  configs: { 'retention.ms': String(3 * 3_600_000) },
})

/** Options of {@link createKafkaRefusalSink}. */
export interface KafkaRefusalSinkOptions {
  /** Bootstrap brokers, as `KAFKA_BROKERS`. */
  brokers: string[] | string
  /** @default 'tracking_refusals' (`TRACKPOINT_REFUSAL_TOPIC`) */
  topic?: string
  logger: Logger
  /** Longest wait for the broker's acknowledgement of one send. @default 5000 */
  timeoutMs?: number
}

/**
 * Sends tallies to the refusal topic, one message per tally (key: the instance, value: the
 * tally as JSON), creating the topic on first use. Its own small producer, apart from the
 * events' bus: its retries, timeouts and failures never queue before an event's publish. Not
 * idempotent, and it need not be: a tally written twice is the same tally.
 */
export function createKafkaRefusalSink(options: KafkaRefusalSinkOptions): RefusalTallySink {
  const brokers = parseKafkaBrokers(options.brokers)
  const topic = options.topic ?? REFUSAL_TOPIC
  const timeoutMs = options.timeoutMs ?? 5000
  let topicReady = false
  let producer: Producer<string, string, string, string> | undefined
  return {
    async send(tallies: RefusalTally[]) {
      topicReady ||= await ensureTopic(brokers, topicSpec(topic), options.logger)
      producer ??= new Producer({
        clientId: 'trackpoint-refusals',
        bootstrapBrokers: brokers,
        serializers: stringSerializers,
        acks: ProduceAcks.ALL,
        retries: 1,
        retryDelay: 250,
        timeout: timeoutMs,
        connectTimeout: 2000,
      })
      const messages = tallies.map((tally) => ({
        topic,
        key: tally.instance,
        value: JSON.stringify(tally),
      }))
      try {
        await withTimeout(producer.send({ messages }), timeoutMs, 'no acknowledgement')
      } catch (error) {
        // A fresh producer next time: this one may be stuck on a lost request.
        void closeKafkaClient(producer)
        producer = undefined
        throw new Error(`refusal tallies not acknowledged: ${describeKafkaError(error)}`, {
          cause: error,
        })
      }
    },
    close: () => closeKafkaClient(producer),
  }
}

/** Options of {@link followRefusalTallies}. */
export interface RefusalFollowerOptions {
  /** Bootstrap brokers, as `KAFKA_BROKERS`. */
  brokers: string[] | string
  /** @default 'tracking_refusals' (`TRACKPOINT_REFUSAL_TOPIC`) */
  topic?: string
  /** Stores what was read (stats/storedRefusals.ts); rejects when the store cannot. */
  store: (tallies: RefusalTally[]) => Promise<void>
  logger: Logger
  /** How often what was read is stored. @default 1000 */
  flushMs?: number
}

/** A running reader of the refusal topic. */
export interface RefusalFollower {
  /** Stops reading, stores what is pending once more (bounded) and closes. */
  stop(): Promise<void>
}

/** Tallies older than this are dropped while the store is down: the table would expire them. */
const KEEP_MS = 3 * 3_600_000

/**
 * The consumer role's reader of the refusal topic: reads it from its start with a consumer
 * group of its own that never commits (like the plan reader), keeps the highest count per
 * (minute, instance, reason) read since the last store, and stores them every `flushMs`. No
 * offset to commit and no order to keep: the table keeps the max per key, so a restart that
 * reads the topic's 3 hours again, or two consumer processes storing the same tallies, change
 * nothing. A store that is down keeps the pending tallies (one per key, the oldest dropped past
 * 3 hours) until it answers.
 */
export function followRefusalTallies(options: RefusalFollowerOptions): RefusalFollower {
  const brokers = parseKafkaBrokers(options.brokers)
  const topic = options.topic ?? REFUSAL_TOPIC
  const { logger } = options
  const stopSignal = new AbortController()
  /** Highest count read per `minute|instance|reason`, not yet stored. */
  const pending = new Map<string, { minute: number; instance: string; reason: string; n: number }>()
  let storeFailing = false

  const take = (message: RawMessage) => {
    let tally: RefusalTally | undefined
    try {
      tally = parseRefusalTally(JSON.parse(message.value?.toString('utf8') ?? ''))
    } catch {
      tally = undefined
    }
    if (!tally) {
      logger.error({ msg: 'refusal tally skipped: not a tally', offset: String(message.offset) })
      return
    }
    for (const [reason, n] of Object.entries(tally.rejected)) {
      const key = `${tally.minute}|${tally.instance}|${reason}`
      const had = pending.get(key)
      if (!had || had.n < n) pending.set(key, { ...tally, reason, n })
    }
  }

  let flushing: Promise<void> | undefined
  const flush = () =>
    (flushing ??= (async () => {
      const oldest = Date.now() - KEEP_MS
      for (const [key, row] of pending) if (row.minute < oldest) pending.delete(key)
      if (!pending.size) return
      const batch = [...pending]
      try {
        await options.store(
          batch.map(([, row]) => ({
            instance: row.instance,
            minute: row.minute,
            rejected: { [row.reason]: row.n },
          })),
        )
        // Only what is unchanged since: a higher count read meanwhile waits for the next flush.
        for (const [key, row] of batch) if (pending.get(key)?.n === row.n) pending.delete(key)
        if (storeFailing) logger.info({ msg: 'refusal tallies stored again' })
        storeFailing = false
      } catch (error) {
        if (!storeFailing)
          logger.error({ msg: 'refusal tallies not stored; retrying', error: String(error) })
        storeFailing = true
      }
    })().finally(() => (flushing = undefined)))
  const timer = setInterval(() => void flush(), options.flushMs ?? 1000)
  timer.unref()

  const following = followTopic({
    brokers,
    topic,
    clientId: 'trackpoint-refusal-reader',
    groupPrefix: 'trackpoint-refusals',
    name: 'refusal reader',
    logger,
    signal: stopSignal.signal,
    // Each (re)join: the topic may be missing still when the first collector has not sent yet.
    beforeJoin: () => ensureTopic(brokers, topicSpec(topic), logger),
    onMessage: take,
  })

  return {
    async stop() {
      stopSignal.abort()
      clearInterval(timer)
      // Bounded: a broker away may hold a topic check or a client's close for a while.
      await settleWithin(following, 15_000)
      await flushing
      await settleWithin(flush(), 5000)
    },
  }
}
