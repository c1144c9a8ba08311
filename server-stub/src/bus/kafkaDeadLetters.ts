import type { Message } from '@platformatic/kafka'
import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka'
import type { AcceptedEvent } from '../types'
import {
  closeKafkaClient,
  DEAD_LETTER_REASON_HEADER,
  describeKafkaError,
  withTimeout,
} from './kafkaClientConfig'

/** A message as the consumer fetches it: key, value and headers as bytes. */
export type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>

/** A message that is not an event, and why. */
export interface RejectedMessage {
  message: RawMessage
  reason: string
}

/**
 * The consumer's default `validate`: the fields the consumer and the §六 dedup
 * key on must be there. Full validation against the tracking plan happened in the collector.
 */
export function validateEventShape(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'not an event object'
  }
  const event = value as Record<string, unknown>
  for (const field of ['event_id', 'event_name', 'user_id'] as const) {
    if (typeof event[field] !== 'string' || !event[field]) return `${field} missing or not a string`
  }
  return undefined
}

/**
 * Parses a fetched batch: the events for the handler (`origins[i]` is the message of
 * `events[i]`), and the messages that are not JSON or fail `validate`, with their reasons, for
 * the dead-letter topic.
 *
 * @param batch - Messages in fetch order.
 * @param validate - Returns why a parsed value is not an event, or `undefined`.
 */
export function splitBatch(
  batch: RawMessage[],
  validate: (value: unknown) => string | undefined,
): { events: AcceptedEvent[]; origins: RawMessage[]; rejected: RejectedMessage[] } {
  const events: AcceptedEvent[] = []
  const origins: RawMessage[] = []
  const rejected: RejectedMessage[] = []
  for (const message of batch) {
    let reason: string | undefined
    let value: unknown
    try {
      value = JSON.parse(message.value?.toString('utf8') ?? '')
    } catch (error) {
      rejected.push({ message, reason: `not JSON: ${describeKafkaError(error)}` })
      continue
    }
    try {
      reason = validate(value)
    } catch (error) {
      reason = `validate threw: ${describeKafkaError(error)}`
    }
    if (reason === undefined) {
      events.push(value as AcceptedEvent)
      origins.push(message)
    } else rejected.push({ message, reason })
  }
  return { events, origins, rejected }
}

/** Options of {@link createDeadLetterSink}. */
export interface DeadLetterSinkOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[]
  /** Client id of the dead-letter producer. */
  clientId: string
  /** The dead-letter topic. */
  topic: string
  /** Longest wait for the broker's acknowledgement. */
  timeoutMs: number
}

/** Where the consumer sets aside messages that are not events. */
export interface DeadLetterSink {
  /** Resolves once the broker acknowledged every message; rejects otherwise (retry the batch). */
  send(rejected: RejectedMessage[]): Promise<void>
  /** Closes the producer; never rejects. */
  close(): Promise<void>
}

/**
 * Writes rejected messages to the dead-letter topic: original key and value, the reason in the
 * `x-trackpoint-dlq-reason` header and the origin (`topic/partition/offset`) in
 * `x-trackpoint-dlq-source`. `send` resolves once the broker acknowledged them (acks=all), so
 * the consumer may then commit past them.
 */
export function createDeadLetterSink(options: DeadLetterSinkOptions): DeadLetterSink {
  let producer: Producer<Buffer, Buffer, string, string> | undefined
  return {
    async send(rejected: RejectedMessage[]): Promise<void> {
      producer ??= new Producer({
        clientId: options.clientId,
        bootstrapBrokers: options.brokers,
        serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
        acks: ProduceAcks.ALL,
        retries: 3,
        retryDelay: 250,
      })
      const sending = producer.send({
        messages: rejected.map(({ message, reason }) => ({
          topic: options.topic,
          key: message.key,
          value: message.value,
          headers: {
            [DEAD_LETTER_REASON_HEADER]: reason,
            'x-trackpoint-dlq-source': `${message.topic}/${message.partition}/${message.offset}`,
          },
        })),
      })
      try {
        await withTimeout(sending, options.timeoutMs, 'dead-letter topic did not acknowledge')
      } catch (error) {
        // A fresh producer for the retry: this one may be stuck on a lost request.
        void closeKafkaClient(producer)
        producer = undefined
        throw error
      }
    },
    close: () => closeKafkaClient(producer),
  }
}
