import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { Consumer, type MessagesStream } from '@platformatic/kafka'
import type { Logger } from '../http/logger'
import type { RawMessage } from './kafkaDeadLetters'
import {
  closeKafkaClient,
  describeKafkaError,
  settleWithin,
  sleep,
  withTimeout,
} from './kafkaClientConfig'

/** The consumer {@link followTopic} reads with, as its `beforeJoin` gets it. */
export type TopicReader = Consumer<Buffer, Buffer, Buffer, Buffer>

/** Options of {@link followTopic}. */
export interface FollowTopicOptions {
  /** Bootstrap brokers, `host:port` (as `parseKafkaBrokers` returns them). */
  brokers: string[]
  /** The topic read, from its start, each time the reader (re)joins. */
  topic: string
  /** The client id the broker shows for the reader, such as `'trackpoint-plan-reader'`. */
  clientId: string
  /**
   * The start of the reader's group id. The host, the process and a random id follow, so each
   * reader has a group of its own and is given every partition from the start.
   */
  groupPrefix: string
  /** What reads, in log lines: `'tracking plan reader'` logs "tracking plan reader failed". */
  name: string
  /** Where failures to start or to read are logged. */
  logger: Logger
  /** Aborting it ends the reading; the promise of {@link followTopic} settles soon after. */
  signal: AbortSignal
  /**
   * Runs before each join (the first, and every one after a failure) with the consumer about to
   * join, such as to create the topic or to learn its end offset. A rejection counts as a failed
   * start: logged, then tried again after the backoff. A stop does not wait for it, so it should
   * bound its own broker requests (`withTimeout`).
   * @default nothing
   */
  beforeJoin?: (consumer: TopicReader) => Promise<unknown>
  /**
   * Takes each message read, in the topic's order. It must not throw: a record it cannot use is
   * its own to skip and log.
   */
  onMessage: (message: RawMessage) => void
}

/** How long one join of the reader's group may take before it is given up and tried again. */
const JOIN_TIMEOUT_MS = 15_000
/** The first wait before a retry, doubled after each failure up to {@link MAX_RETRY_DELAY_MS}. */
const FIRST_RETRY_DELAY_MS = 250
const MAX_RETRY_DELAY_MS = 5000

/**
 * Reads a small topic of the server's own from its start, and goes on following it until
 * `signal` aborts: the plan reader and the refusal reader. Each reader has a consumer group of
 * its own that never commits, since it needs every record, from the start, each time it starts.
 * A reader that cannot join, or whose stream fails or ends, is closed and started again after a
 * backoff (250 ms doubling to 5 s, back to 250 ms once a join succeeds), so a broker restart
 * or an outage only delays the reading.
 *
 * @returns A promise that settles once the reading stopped after `signal` aborted (bounded by
 * the 5 s closes of its clients). It never rejects.
 */
export async function followTopic(options: FollowTopicOptions): Promise<void> {
  try {
    await readUntilStopped(options)
  } catch (error) {
    // Only a consumer that cannot even be built gets here: nothing to retry.
    options.logger.error({ msg: `${options.name} stopped`, error: describeKafkaError(error) })
  }
}

async function readUntilStopped(options: FollowTopicOptions) {
  const { signal, logger, name } = options
  let delay = FIRST_RETRY_DELAY_MS
  while (!signal.aborted) {
    const consumer: TopicReader = new Consumer({
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      groupId: `${options.groupPrefix}-${hostname()}-${process.pid}-${randomUUID()}`,
      autocommit: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10_000,
      maxWaitTime: 500,
      retries: 3,
      retryDelay: 250,
    })
    // An 'error' event without a listener would throw; the failures that matter reach the
    // awaited calls and the stream, where they are logged.
    consumer.on('error', () => undefined)
    let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined
    try {
      if (options.beforeJoin) await untilStopped(options.beforeJoin(consumer), signal)
      stream = await join(consumer, options)
      delay = FIRST_RETRY_DELAY_MS
      await readUntilEnd(stream, options)
    } catch (error) {
      if (!signal.aborted)
        logger.error({ msg: `${name} could not start`, error: describeKafkaError(error) })
    }
    await settleWithin(stream?.close(), 5000)
    await closeKafkaClient(consumer)
    if (!signal.aborted) {
      await sleep(delay, signal)
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)
    }
  }
}

/** Joins the reader's group, within {@link JOIN_TIMEOUT_MS}, or rejects as soon as it stops. */
async function join(consumer: TopicReader, options: FollowTopicOptions) {
  const joining = consumer.consume({ topics: [options.topic], mode: 'earliest', autocommit: false })
  // A join that comes too late (timed out, or after a stop) is closed when it comes.
  let abandoned = false
  joining
    .then((late) => (abandoned ? settleWithin(late.close(), 5000) : undefined))
    .catch(() => undefined)
  try {
    return await untilStopped(
      withTimeout(joining, JOIN_TIMEOUT_MS, `could not join the ${options.name} group`),
      options.signal,
    )
  } catch (error) {
    abandoned = true
    throw error
  }
}

/** Hands each message to `onMessage` until the stream fails, ends or the reader stops. */
function readUntilEnd(
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>,
  options: FollowTopicOptions,
): Promise<void> {
  const { signal, logger, name } = options
  return new Promise<void>((resolve) => {
    const end = () => {
      signal.removeEventListener('abort', end)
      resolve()
    }
    stream.on('data', options.onMessage)
    stream.on('error', (error: unknown) => {
      if (!signal.aborted) logger.error({ msg: `${name} failed`, error: describeKafkaError(error) })
      end()
    })
    stream.once('close', end)
    stream.once('end', end)
    signal.addEventListener('abort', end, { once: true })
    if (signal.aborted) end()
  })
}

/** `work`, or a rejection as soon as `signal` aborts: a stop never waits for the broker. */
function untilStopped<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onStop: () => void = () => undefined
  const stopped = new Promise<never>((_, reject) => {
    onStop = () => reject(new Error('stopped'))
    signal.addEventListener('abort', onStop, { once: true })
    if (signal.aborted) onStop()
  })
  return Promise.race([work, stopped]).finally(() => signal.removeEventListener('abort', onStop))
}
