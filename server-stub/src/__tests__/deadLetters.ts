// Reads the dead-letter topic in tests: the reasons the consumer gave for the messages of one key.
import { randomUUID } from 'node:crypto'
import { Consumer, stringDeserializers } from '@platformatic/kafka'
import { DEAD_LETTER_REASON_HEADER, DEAD_LETTER_TOPIC } from '../bus/kafkaClientConfig'

/**
 * The `x-trackpoint-dlq-reason` of the first `count` dead letters with message key `key`, read
 * from the start of the topic by a fresh group; fewer if `timeoutMs` passes first.
 */
export async function deadLetterReasons(
  brokers: string,
  key: string,
  count: number,
  timeoutMs = 30_000,
): Promise<string[]> {
  const reader = new Consumer({
    clientId: 'test-dlq-reader',
    groupId: `dlq-reader-${randomUUID()}`,
    bootstrapBrokers: [brokers],
    deserializers: stringDeserializers,
  })
  const reasons: string[] = []
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
        if (message.key !== key) continue
        reasons.push(message.headers.get(DEAD_LETTER_REASON_HEADER) ?? '')
        if (reasons.length >= count) break
      }
    } finally {
      clearTimeout(deadline)
    }
  } finally {
    await reader.close(true)
  }
  return reasons
}
