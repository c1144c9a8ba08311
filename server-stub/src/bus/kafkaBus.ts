import {
  Admin,
  CompressionAlgorithms,
  compatibilityPartitioner,
  ProduceAcks,
  Producer,
  stringSerializers,
} from '@platformatic/kafka'
import type { AcceptedEvent, EventBus } from '../types'
import { createGroupCommit } from './groupCommit'
import type { KafkaClientOptions } from './kafkaClientConfig'
import {
  closeKafkaClient,
  describeKafkaError,
  kafkaLogger,
  parseKafkaBrokers,
  settleWithin,
  TRACKING_TOPIC,
  withTimeout,
} from './kafkaClientConfig'

export { createKafkaConsumer } from './kafkaConsumer'
export type { KafkaConsumer, KafkaConsumerOptions } from './kafkaConsumer'

/** Options of {@link createKafkaBus}. */
export interface KafkaBusOptions extends KafkaClientOptions {
  /**
   * Topic the events go to.
   * @default 'tracking_events'
   */
  topic?: string
  /**
   * Most events in one produce request. Publishes that arrive while a request is in flight are
   * grouped into the next one (group commit), up to this many events.
   * @default 5000
   */
  maxGroupEvents?: number
  /**
   * Most characters of JSON (about bytes) in one produce request, so that even one partition's
   * share of a group stays under the broker's `message.max.bytes` (1 MB by default) before
   * compression.
   * @default 1048576
   */
  maxGroupBytes?: number
  /**
   * Most events waiting for an acknowledgement; past it `publish` rejects at once, so a slow or
   * absent broker turns into 503s instead of unbounded memory.
   * @default 100000
   */
  maxPendingEvents?: number
  /**
   * How long one publish may wait for the broker before it rejects.
   * @default 10000
   */
  publishTimeoutMs?: number
  /**
   * Retries of one produce request inside the client (connection refused, leader moved …).
   * @default 3
   */
  retries?: number
  /**
   * How often the broker is asked for metadata to keep {@link EventBus.connected} current.
   * @default 1000
   */
  healthIntervalMs?: number
}

/** The Kafka bus, with what the collector's load guard may want beyond {@link EventBus}. */
export interface KafkaEventBus extends EventBus {
  /** Events handed to `publish` and not yet acknowledged or rejected. */
  pendingEvents(): number
}

/** Why a publish was rejected; `cause` carries the client's error when there is one. */
export class KafkaPublishError extends Error {
  override name = 'KafkaPublishError'
}

type Message = { topic: string; key: string; value: string }

type EventProducer = Producer<string, string, string, string>

/**
 * The scaled bus: events go to Kafka (`tracking_events`, key user_id so one user's events stay
 * in one partition, value the event as JSON) with acks=all, an idempotent producer and lz4.
 * `publish` resolves only when the broker acknowledged every event, and rejects otherwise, so
 * the collector answers 503 and the SDK keeps the events.
 *
 * Produce requests never overlap. @platformatic/kafka 1.x stamps concurrent sends to one
 * partition with the same idempotence sequence number, and the broker then acknowledges the
 * later ones as duplicates without writing them (platformatic/kafka#326; kafkajs#1005 is the
 * same flaw): measured here, 20 concurrent sends, 20 acks, 1 batch stored. So publishes that
 * arrive while a request is in flight wait and go out together in the next one.
 *
 * After a failed request the producer is replaced: the broker may have written the batch while
 * the answer was lost, and reusing its sequence numbers for other events could make the broker
 * drop those as duplicates. A new producer id can at worst write the batch twice, which the
 * consumer's dedup on event_id absorbs.
 *
 * @param options - Brokers and bounds.
 */
export function createKafkaBus(options: KafkaBusOptions): KafkaEventBus {
  const brokers = parseKafkaBrokers(options.brokers)
  const clientId = options.clientId ?? 'trackpoint'
  const topic = options.topic ?? TRACKING_TOPIC
  const maxGroupEvents = options.maxGroupEvents ?? 5000
  const maxGroupBytes = options.maxGroupBytes ?? 1_048_576
  const maxPendingEvents = options.maxPendingEvents ?? 100_000
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000
  const healthIntervalMs = options.healthIntervalMs ?? 1000
  const logger = kafkaLogger(options)

  let pending = 0
  let closed = false
  // Undefined until the first probe answers, so the first outcome is logged either way.
  let reachable: boolean | undefined
  let producer: EventProducer | undefined

  const createProducer = (): EventProducer => {
    const created: EventProducer = new Producer({
      clientId: `${clientId}-collector`,
      bootstrapBrokers: brokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: CompressionAlgorithms.LZ4,
      // The Java client's murmur2 mapping, so any producer puts a user in the same partition.
      partitioner: compatibilityPartitioner,
      // Must be set: an idempotent producer of this client otherwise retries forever, and a
      // publish would never reject while the broker is away.
      retries: options.retries ?? 3,
      retryDelay: 250,
      timeout: 5000,
      connectTimeout: 2000,
    })
    created.on('client:broker:disconnect', () => void probe())
    return created
  }

  const dropProducer = () => {
    const old = producer
    producer = undefined
    void closeKafkaClient(old)
  }

  // connected() must follow the broker even when nobody publishes: a light metadata request
  // every healthIntervalMs, and one at once whenever a connection drops. A separate client
  // without retries answers fast and does not queue behind produce requests.
  const probeTimeoutMs = Math.max(500, Math.min(healthIntervalMs * 2, 5000))
  let admin: Admin | undefined
  const createAdmin = () => {
    const created = new Admin({
      clientId: `${clientId}-health`,
      bootstrapBrokers: brokers,
      retries: 0,
      timeout: probeTimeoutMs,
      connectTimeout: probeTimeoutMs,
    })
    created.on('client:broker:disconnect', () => void probe())
    return created
  }
  let probing: Promise<void> | undefined
  const probe = (): Promise<void> => {
    if (closed) return Promise.resolve()
    probing ??= (async () => {
      const client = (admin ??= createAdmin())
      try {
        // Bounded: a request caught by the broker's shutdown can stay unanswered, and the client
        // then makes every later metadata call wait on it (seen here, 1 run in 3 of the outage
        // test).
        await withTimeout(
          client.metadata({ topics: [topic], forceUpdate: true }),
          probeTimeoutMs * 2,
          'no metadata answer',
        )
        setReachable(true)
      } catch (error) {
        setReachable(false, error)
        // A fresh client for the next probe, so a wedged one cannot keep the bus "down".
        admin = undefined
        client.removeAllListeners('client:broker:disconnect')
        void settleWithin(client.close(), 5000)
      } finally {
        probing = undefined
      }
    })()
    return probing
  }
  const setReachable = (now: boolean, error?: unknown) => {
    if (now !== reachable && !closed) {
      if (now) logger.info({ msg: 'kafka reachable', brokers })
      else logger.error({ msg: 'kafka unreachable', brokers, error: describeKafkaError(error) })
    }
    reachable = now
  }
  const healthTimer = setInterval(() => void probe(), healthIntervalMs)
  healthTimer.unref()
  void probe()

  const send = async (messages: Message[]): Promise<void> => {
    try {
      producer ??= createProducer()
      await withTimeout(producer.send({ messages }), publishTimeoutMs, 'no acknowledgement')
      setReachable(true)
    } catch (error) {
      dropProducer()
      void probe()
      logger.error({
        msg: 'kafka publish failed',
        events: messages.length,
        error: describeKafkaError(error),
      })
      throw new KafkaPublishError(
        `Kafka did not acknowledge ${messages.length} events: ${describeKafkaError(error)}`,
        { cause: error },
      )
    } finally {
      pending -= messages.length
    }
  }
  const group = createGroupCommit(send, { maxItems: maxGroupEvents, maxBytes: maxGroupBytes })

  return {
    publish(events: AcceptedEvent[]) {
      if (closed) return Promise.reject(new KafkaPublishError('the Kafka bus is closed'))
      if (!events.length) return Promise.resolve()
      if (pending + events.length > maxPendingEvents) {
        return Promise.reject(
          new KafkaPublishError(`more than ${maxPendingEvents} events wait for Kafka`),
        )
      }
      // Serialised here, in the caller's turn, so one big group does not stall the event loop.
      let messages: Message[]
      try {
        messages = events.map((event) => ({
          topic,
          key: event.user_id,
          value: JSON.stringify(event),
        }))
      } catch (error) {
        return Promise.reject(error)
      }
      const bytes = messages.reduce((sum, message) => sum + message.value.length, 0)
      pending += events.length
      return group.submit(messages, bytes)
    },
    connected: () => reachable === true && !closed,
    pendingEvents: () => pending,
    async close() {
      closed = true
      clearInterval(healthTimer)
      // Publishes already accepted are finished, not dropped: their senders wait for the answer.
      await group.idle()
      await probing
      await Promise.all([closeKafkaClient(producer), settleWithin(admin?.close(), 5000)])
      producer = undefined
    },
  }
}
