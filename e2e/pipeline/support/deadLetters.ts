// Reads the dead-letter topic of a pipeline's broker: the event_id and the consumer's reason of
// every message there, read from the start by a fresh group until `count` were seen or the
// deadline passes.
import { randomUUID } from 'node:crypto'
import { Consumer, stringDeserializers } from '@platformatic/kafka'
import {
  DEAD_LETTER_REASON_HEADER,
  DEAD_LETTER_TOPIC,
} from '../../../server-stub/src/bus/kafkaClientConfig'

/** One dead letter. */
export interface DeadLetter {
  eventId: string
  reason: string
}

/** The first `count` dead letters (fewer if `timeoutMs` passes first). */
export async function readDeadLetters(
  brokers: string,
  count: number,
  timeoutMs = 30_000,
): Promise<DeadLetter[]> {
  const reader = new Consumer({
    clientId: 'pipeline-dlq-reader',
    groupId: `pipeline-dlq-reader-${randomUUID()}`,
    bootstrapBrokers: [brokers],
    deserializers: stringDeserializers,
  })
  const letters: DeadLetter[] = []
  try {
    const stream = await reader.consume({
      topics: [DEAD_LETTER_TOPIC],
      mode: 'earliest',
      autocommit: false,
      maxWaitTime: 500,
    })
    const deadline = setTimeout(() => void stream.close(), timeoutMs)
    try {
      for await (const message of stream) {
        let eventId = ''
        try {
          eventId = String((JSON.parse(String(message.value)) as { event_id?: unknown }).event_id)
        } catch {
          // Not a JSON event: reported with an empty id.
        }
        letters.push({ eventId, reason: message.headers.get(DEAD_LETTER_REASON_HEADER) ?? '' })
        if (letters.length >= count) break
      }
    } finally {
      clearTimeout(deadline)
    }
  } finally {
    await reader.close(true)
  }
  return letters
}
