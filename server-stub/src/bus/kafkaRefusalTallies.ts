import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import {
  Consumer,
  ProduceAcks,
  Producer,
  stringSerializers,
  type MessagesStream,
} from '@platformatic/kafka'
import type { Logger } from '../http/logger'
import {
  parseRefusalTally,
  type RefusalTally,
  type RefusalTallySink,
} from '../stats/refusalTallies'
import { ensureTopic, type TopicSpec } from './ensureTopic'
import type { RawMessage } from './kafkaDeadLetters'
import {
  closeKafkaClient,
  describeKafkaError,
  parseKafkaBrokers,
  settleWithin,
  sleep,
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

  const follow = async () => {
    let delay = 250
    while (!stopSignal.signal.aborted) {
      await ensureTopic(brokers, topicSpec(topic), logger)
      if (stopSignal.signal.aborted) break
      const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
        clientId: 'trackpoint-refusal-reader',
        bootstrapBrokers: brokers,
        groupId: `trackpoint-refusals-${hostname()}-${process.pid}-${randomUUID()}`,
        autocommit: false,
        sessionTimeout: 10_000,
        heartbeatInterval: 1000,
        rebalanceTimeout: 10_000,
        maxWaitTime: 500,
        retries: 3,
        retryDelay: 250,
      })
      consumer.on('error', () => undefined)
      let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined
      try {
        const joining = consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
        // A join that comes too late (timed out, or after a stop) is closed when it comes.
        let abandoned = false
        joining
          .then((late) => (abandoned ? settleWithin(late.close(), 5000) : undefined))
          .catch(() => undefined)
        let onStop = () => undefined as void
        const stopped = new Promise<never>((_, reject) => {
          onStop = () => reject(new Error('stopped'))
          stopSignal.signal.addEventListener('abort', onStop, { once: true })
        })
        try {
          stream = await Promise.race([
            withTimeout(joining, 15_000, 'could not join the refusal reader group'),
            stopped,
          ])
        } catch (error) {
          abandoned = true
          throw error
        } finally {
          stopSignal.signal.removeEventListener('abort', onStop)
        }
        const running = stream
        delay = 250
        await new Promise<void>((resolve) => {
          const end = () => {
            stopSignal.signal.removeEventListener('abort', end)
            resolve()
          }
          running.on('data', take)
          running.on('error', (error: unknown) => {
            if (!stopSignal.signal.aborted)
              logger.error({ msg: 'refusal reader failed', error: describeKafkaError(error) })
            end()
          })
          running.once('close', end)
          running.once('end', end)
          stopSignal.signal.addEventListener('abort', end, { once: true })
        })
      } catch (error) {
        if (!stopSignal.signal.aborted)
          logger.error({ msg: 'refusal reader could not start', error: describeKafkaError(error) })
      }
      await settleWithin(stream?.close(), 5000)
      await closeKafkaClient(consumer)
      if (!stopSignal.signal.aborted) {
        await sleep(delay, stopSignal.signal)
        delay = Math.min(delay * 2, 5000)
      }
    }
  }
  const following = follow().catch((error: unknown) =>
    logger.error({ msg: 'refusal reader stopped', error: describeKafkaError(error) }),
  )

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
