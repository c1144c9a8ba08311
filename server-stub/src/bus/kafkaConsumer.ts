import type { MessagesStream } from '@platformatic/kafka'
import { Consumer } from '@platformatic/kafka'
import type { BatchHandler } from '../types'
import type { KafkaClientOptions } from './kafkaClientConfig'
import type { RawMessage, RejectedMessage } from './kafkaDeadLetters'
import { createDeadLetterSink, splitBatch, validateEventShape } from './kafkaDeadLetters'
import {
  closeKafkaClient,
  DEAD_LETTER_TOPIC,
  describeKafkaError,
  kafkaLogger,
  parseKafkaBrokers,
  settleWithin,
  sleep,
  TRACKING_TOPIC,
  withTimeout,
} from './kafkaClientConfig'

/** Options of {@link createKafkaConsumer}. */
export interface KafkaConsumerOptions extends KafkaClientOptions {
  /** Consumer group: members share the partitions, and offsets are committed per group. */
  groupId: string
  /** Stores a batch; the offsets are committed only after it resolved. Must be idempotent. */
  handler: BatchHandler
  /**
   * Most messages in one batch.
   * @default 1000
   */
  batchSize?: number
  /**
   * Longest a batch waits to fill up after its first message.
   * @default 1000 (the server passes `TRACKPOINT_CONSUMER_BATCH_WAIT_MS`, 500 by default)
   */
  batchWaitMs?: number
  /**
   * A batch is handled sooner when no message came for this long: a quiet topic gets its
   * events stored at once, a busy one still fills batches up to `batchSize` or `batchWaitMs`.
   * @default 100 (at most `batchWaitMs`)
   */
  batchIdleMs?: number
  /**
   * Topic to consume.
   * @default 'tracking_events'
   */
  topic?: string
  /**
   * Where a group that has no committed offsets yet starts: at the oldest retained message, so
   * nothing published before the first consumer joined is skipped, or at the end (tests that
   * only care about what they publish, on a topic with millions of older events).
   * @default 'earliest'
   */
  startAt?: 'earliest' | 'latest'
  /**
   * Topic for messages that cannot be parsed, with the reason in the
   * `x-trackpoint-dlq-reason` header.
   * @default 'tracking_events_dlq'
   */
  deadLetterTopic?: string
  /**
   * Checks a parsed message value; returns why it is not an event, or `undefined` when it is.
   * Rejected messages go to the dead-letter topic instead of the handler.
   * @default a check for an object with string event_id, event_name and user_id
   */
  validate?: (value: unknown) => string | undefined
  /**
   * First wait before a failed batch is handed to the handler again; it doubles per failure.
   * @default 200
   */
  retryInitialMs?: number
  /**
   * Longest wait between two tries of a failed batch (and between reconnects).
   * @default 5000
   */
  retryMaxMs?: number
  /**
   * Session timeout of the group membership: a member silent for this long loses its
   * partitions. The broker accepts 6000 to 300000.
   * @default 10000
   */
  sessionTimeoutMs?: number
  /**
   * Heartbeat interval; also how fast a member notices that the group rebalances.
   * @default 1000
   */
  heartbeatIntervalMs?: number
  /**
   * How long a graceful {@link KafkaConsumer.stop} waits for the batch in flight before it
   * abandons it uncommitted.
   * @default 10000
   */
  stopTimeoutMs?: number
  /**
   * How long the consumer may go without a fetch answer (while it owns partitions and is not
   * handling a batch) before it drops its connection and joins again.
   * @default 30000
   */
  stallTimeoutMs?: number
  /** Told about failed batches, dead letters and commits (metrics). @default nothing */
  observer?: KafkaConsumerObserver
}

/** What a consumer reports as it goes, for its `/metrics`. Every hook is optional. */
export interface KafkaConsumerObserver {
  /** A batch failed and will be retried (the store could not take it, or the DLQ failed). */
  batchFailed?(): void
  /** `count` messages went to the dead-letter topic. */
  deadLettered?(count: number): void
  /** Offsets were committed after a batch. */
  committed?(): void
}

/** Options of {@link KafkaConsumer.stop}. */
export interface KafkaConsumerStopOptions {
  /**
   * Leave the batch in flight uncommitted even when its handler succeeds, as a crash between
   * handle and commit would; the group hands it to the next member.
   * @default false
   */
  abandon?: boolean
}

/** A running consumer from {@link createKafkaConsumer}. */
export interface KafkaConsumer {
  /**
   * Resolves once the consumer joined its group and got its first fetch answer: from then on,
   * whatever is published reaches it (also with `startAt: 'latest'`).
   */
  ready(): Promise<void>
  /**
   * Stops fetching, lets the batch in flight finish and commit (or abandons it, see
   * {@link KafkaConsumerStopOptions.abandon}), leaves the group and disconnects. Idempotent.
   */
  stop(options?: KafkaConsumerStopOptions): Promise<void>
  /**
   * Messages not yet committed per partition this consumer holds now and has committed before
   * (`topic:partition` → the broker's end offset minus the committed one), asked of the broker
   * now; `{}` when no session runs or the broker does not answer within 2 s.
   */
  lag(): Promise<Record<string, number>>
}

/** Longest wait for the broker to answer a dead-letter produce or an offset commit. */
const REQUEST_TIMEOUT_MS = 15_000

interface Session {
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>
  stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>
  /** Set when the stream failed or ended: its batches can no longer be committed. */
  dead: boolean
  inFlight?: Promise<void>
}

/**
 * Consumes `tracking_events` in a consumer group and hands batches (by size and time) to
 * `handler.handle`. At-least-once: offsets are committed by hand, only after `handle`
 * resolved; when it throws, the same batch is handed over again after a growing pause (capped),
 * and nothing after it is fetched meanwhile. A crash in between replays the batch to the next
 * member of the group, so the handler must be idempotent (the store dedups on event_id).
 *
 * Messages that are not JSON events go to the dead-letter topic with the reason before their
 * batch is committed, so one bad message never blocks the partition.
 *
 * The consumer survives broker restarts: when its stream fails it reconnects with backoff and
 * resumes from the committed offsets.
 *
 * @param options - Brokers, group, handler and batching.
 */
export function createKafkaConsumer(options: KafkaConsumerOptions): KafkaConsumer {
  const brokers = parseKafkaBrokers(options.brokers)
  const clientId = options.clientId ?? 'trackpoint'
  const topic = options.topic ?? TRACKING_TOPIC
  const batchSize = options.batchSize ?? 1000
  const batchWaitMs = options.batchWaitMs ?? 1000
  const batchIdleMs = Math.min(options.batchIdleMs ?? 100, batchWaitMs)
  const retryInitialMs = options.retryInitialMs ?? 200
  const retryMaxMs = options.retryMaxMs ?? 5000
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000
  const validate = options.validate ?? validateEventShape
  const hooks = options.observer ?? {}
  const logger = kafkaLogger(options)
  const log = (msg: string, error: unknown, fields: Record<string, unknown> = {}) =>
    logger.error({ msg, groupId: options.groupId, ...fields, error: describeKafkaError(error) })

  let stopping = false
  let abandoning = false
  const stopSignal = new AbortController()
  let session: Session | undefined
  const deadLetters = createDeadLetterSink({
    brokers,
    clientId: `${clientId}-dlq`,
    topic: options.deadLetterTopic ?? DEAD_LETTER_TOPIC,
    timeoutMs: REQUEST_TIMEOUT_MS,
  })
  let markReady: () => void = () => undefined
  const readyPromise = new Promise<void>((resolve) => (markReady = resolve))

  /** The offset committed last, per `topic:partition`: what lag is measured from. */
  const committedOffsets = new Map<string, bigint>()

  /** Commits, per partition, the offset after the last message of the batch. */
  const commit = async (current: Session, batch: RawMessage[]) => {
    const next = new Map<string, { topic: string; partition: number; offset: bigint }>()
    for (const { topic: name, partition, offset } of batch) {
      const key = `${name}:${partition}`
      if ((next.get(key)?.offset ?? -1n) <= offset) {
        next.set(key, { topic: name, partition, offset: offset + 1n })
      }
    }
    const offsets = [...next.values()].map((entry) => ({ ...entry, leaderEpoch: -1 }))
    await withTimeout(current.consumer.commit({ offsets }), REQUEST_TIMEOUT_MS, 'no commit answer')
    for (const [key, { offset }] of next) committedOffsets.set(key, offset)
    hooks.committed?.()
  }

  const processBatch = async (current: Session, batch: RawMessage[]) => {
    const { events, origins, rejected } = splitBatch(batch, validate)
    const messageOf = new Map(events.map((event, i) => [event, origins[i]!]))
    let delay = retryInitialMs
    for (;;) {
      try {
        // The handler stores what it can and hands back the events that fail on their own
        // (outside the time window, rows the store refuses): they join the messages that are
        // not events on the dead-letter topic, so they never hold up the partition. It throws
        // only when the store cannot take the batch now: then the batch is retried, never
        // dead-lettered.
        const outcome = events.length ? await options.handler.handle(events) : undefined
        const refused: RejectedMessage[] = (outcome?.refused ?? []).flatMap(
          ({ event, code, reason }) => {
            const message = messageOf.get(event)
            return message ? [{ message, reason: `${code}: ${reason}` }] : []
          },
        )
        const dead = [...rejected, ...refused]
        if (dead.length) {
          await deadLetters.send(dead)
          hooks.deadLettered?.(dead.length)
        }
        break
      } catch (error) {
        hooks.batchFailed?.()
        log('kafka batch failed; it will be retried', error, { events: events.length })
        // Stopping, or a dead stream: leave the batch uncommitted, the group replays it.
        if (stopping || current.dead) return
        await sleep(delay, stopSignal.signal)
        delay = Math.min(delay * 2, retryMaxMs)
        if (stopping || current.dead) return
      }
    }
    if (abandoning) return
    try {
      await commit(current, batch)
    } catch (error) {
      // Not retried: the handler already has the batch, and whoever owns these partitions next
      // replays it from the last commit, which an idempotent handler absorbs.
      log('kafka commit failed; the batch will be replayed', error, { messages: batch.length })
    }
  }

  /** Runs one consumer instance until its stream fails or the consumer stops. */
  const runSession = async (current: Session): Promise<void> => {
    const joining = current.consumer.consume({
      topics: [topic],
      autocommit: false,
      mode: 'committed',
      fallbackMode: options.startAt ?? 'earliest',
    })
    const stream = await withTimeout(
      joining,
      stallTimeoutMs,
      `could not join group ${options.groupId}`,
    )
    current.stream = stream
    const buffer: RawMessage[] = []
    let timer: NodeJS.Timeout | undefined
    /** When the oldest buffered message must be handed on, whatever comes after it. */
    let deadline: number | undefined

    const flush = () => {
      clearTimeout(timer)
      timer = undefined
      if (current.inFlight || !buffer.length || stopping || current.dead) return
      // Nothing after this batch is fetched until it is committed: at-least-once, in order.
      stream.pause()
      deadline = undefined
      const batch = buffer.splice(0, batchSize)
      current.inFlight = processBatch(current, batch)
        .catch((error: unknown) => log('kafka batch failed', error))
        .finally(() => {
          current.inFlight = undefined
          if (stopping || current.dead) return
          if (buffer.length >= batchSize) flush()
          else {
            if (buffer.length) schedule()
            stream.resume()
          }
        })
    }
    /** When the last message came: the quiet spell the idle flush waits for starts there. */
    let lastMessageAt = 0
    /**
     * Flushes after `batchIdleMs` of quiet, and at the latest `batchWaitMs` after the first
     * message. One timer per quiet spell, not one per message: a busy topic delivers thousands
     * of messages a second, and each only notes its time.
     */
    const schedule = () => {
      const now = (lastMessageAt = Date.now())
      deadline ??= now + batchWaitMs
      timer ??= setTimeout(whenDue, Math.min(deadline, now + batchIdleMs) - now)
    }
    const whenDue = () => {
      timer = undefined
      const wait = Math.min(deadline ?? 0, lastMessageAt + batchIdleMs) - Date.now()
      if (wait > 0 && buffer.length) timer = setTimeout(whenDue, wait)
      else flush()
    }

    await new Promise<void>((resolve) => {
      const end = (error?: unknown) => {
        if (current.dead) return
        if (error !== undefined && !stopping) log('kafka consumer stream failed', error)
        current.dead = true
        clearTimeout(timer)
        clearInterval(watchdog)
        stopSignal.signal.removeEventListener('abort', onStop)
        resolve()
      }
      const onStop = () => end()
      // A fetch answers at least every maxWaitTime. When none came for stallTimeoutMs while
      // partitions are assigned and no batch is being handled, the client is wedged (a request
      // lost in a broker restart can leave it waiting for good): start over.
      let lastFetch = Date.now()
      stream.on('fetch', () => {
        lastFetch = Date.now()
        // The first answer means the start offsets are fixed: what is published now arrives.
        markReady()
      })
      const watchdog = setInterval(() => {
        if (current.inFlight || !current.consumer.assignments?.length) lastFetch = Date.now()
        else if (Date.now() - lastFetch > stallTimeoutMs) {
          end(new Error(`no fetch answer for ${stallTimeoutMs} ms`))
        }
      }, 1000)
      stream.on('data', (message: RawMessage) => {
        buffer.push(message)
        if (buffer.length >= batchSize) flush()
        else schedule()
      })
      // Listeners stay for good: an 'error' event nobody listens to would crash the process.
      stream.on('error', end)
      current.consumer.on('error', end)
      stream.once('close', onStop)
      stream.once('end', onStop)
      stopSignal.signal.addEventListener('abort', onStop, { once: true })
      // stop() may have come while consume() was still joining the group.
      if (stopSignal.signal.aborted) onStop()
    })
  }

  const closeSession = async (current: Session) => {
    current.dead = true
    // Bounded: a broker that went away must not hold up a stop or a reconnect.
    await settleWithin(current.stream?.close(), 5000)
    await closeKafkaClient(current.consumer)
  }

  /** Keeps one consumer instance running, and replaces it with backoff when it fails. */
  const supervise = async () => {
    let delay = retryInitialMs
    while (!stopping) {
      const current: Session = {
        consumer: new Consumer({
          clientId: `${clientId}-consumer`,
          bootstrapBrokers: brokers,
          groupId: options.groupId,
          autocommit: false,
          sessionTimeout: options.sessionTimeoutMs ?? 10_000,
          heartbeatInterval: options.heartbeatIntervalMs ?? 1000,
          rebalanceTimeout: options.sessionTimeoutMs ?? 10_000,
          // Short long-polls: a stop or a rebalance need not wait for an idle fetch to return.
          maxWaitTime: 500,
          retries: 3,
          retryDelay: 250,
        }),
        dead: false,
      }
      // Until the stream runs, a failed rejoin is only logged (the stream then fails too).
      current.consumer.on('error', (error: unknown) => {
        if (!current.stream) log('kafka consumer failed', error)
      })
      session = current
      const startedAt = Date.now()
      try {
        await runSession(current)
      } catch (error) {
        if (!stopping) log('kafka consumer could not start', error)
      }
      // Back off afresh only after a session that lasted: one that dies at once must not spin.
      if (Date.now() - startedAt > retryMaxMs * 2) delay = retryInitialMs
      if (!stopping) {
        // A batch in flight on a failed stream ends by itself: not retried, and if its commit
        // fails the next session replays it.
        await current.inFlight
        await closeSession(current)
        await sleep(delay, stopSignal.signal)
        delay = Math.min(delay * 2, retryMaxMs)
      }
    }
  }
  const supervisor = supervise()

  let stopped: Promise<void> | undefined
  return {
    ready: () => readyPromise,
    async lag() {
      const current = session
      if (!current || current.dead || !committedOffsets.size) return {}
      try {
        const ends = await withTimeout(
          current.consumer.listOffsets({ topics: [topic] }),
          2000,
          'no offsets answer',
        )
        // Only the partitions this member holds now: one a rebalance moved to another member
        // is that member's to report (its commit here would go stale and read as lag).
        const held = new Set(
          (current.consumer.assignments ?? []).flatMap(({ topic: name, partitions }) =>
            partitions.map((partition) => `${name}:${partition}`),
          ),
        )
        const lag: Record<string, number> = {}
        for (const [key, committed] of committedOffsets) {
          if (!held.has(key)) continue
          const [name, partition] = key.split(':') as [string, string]
          const end = ends.get(name)?.[Number(partition)]
          if (end !== undefined) lag[key] = Math.max(0, Number(end - committed))
        }
        return lag
      } catch {
        return {}
      }
    },
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        stopping = true
        abandoning = stopOptions.abandon ?? false
        const current = session
        current?.stream?.pause()
        if (current?.inFlight && !abandoning) {
          await withTimeout(current.inFlight, stopTimeoutMs, 'batch not done').catch(() => {
            abandoning = true
          })
        }
        stopSignal.abort()
        await supervisor
        if (current) await closeSession(current)
        await deadLetters.close()
      })()
      return stopped
    },
  }
}
