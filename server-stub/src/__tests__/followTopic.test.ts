// followTopic, the reader of the plan and refusal topics, against a real Kafka broker
// (KAFKA_BROKERS, default 127.0.0.1:9092, as scripts/kafka/start.sh runs it). Without a broker
// the file fails: a skipped integration test would hide a missing broker in CI. Each test has a
// topic of its own.
import { randomUUID } from 'node:crypto'
import { Producer, stringSerializers } from '@platformatic/kafka'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureTopic } from '../bus/ensureTopic'
import { followTopic, type FollowTopicOptions } from '../bus/followTopic'
import { parseKafkaBrokers } from '../bus/kafkaClientConfig'
import type { Logger } from '../http/logger'

const brokers = parseKafkaBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')

const producer = new Producer({
  clientId: 'trackpoint-follow-topic-test',
  bootstrapBrokers: brokers,
  serializers: stringSerializers,
})
afterAll(() => producer.close(true))

/** A topic of the test's own, created with one partition. */
async function freshTopic(): Promise<string> {
  const topic = `test-follow-${randomUUID()}`
  const { logger, errors } = quietLogger()
  const created = await ensureTopic(brokers, { topic, purpose: 'test' }, logger)
  expect(errors).toEqual([])
  expect(created).toBe(true)
  return topic
}

const write = (topic: string, values: string[]) =>
  producer.send({ messages: values.map((value) => ({ topic, key: 'k', value })) })

function quietLogger() {
  const errors: Record<string, unknown>[] = []
  const logger: Logger = { info: () => undefined, error: (entry) => void errors.push(entry) }
  return { logger, errors }
}

/** Starts a reader of `topic` that collects what it reads as text. */
function startReader(topic: string, extra: Partial<FollowTopicOptions> = {}) {
  const read: string[] = []
  const stop = new AbortController()
  const { logger, errors } = quietLogger()
  const following = followTopic({
    brokers,
    topic,
    clientId: 'trackpoint-follow-topic-test',
    groupPrefix: 'trackpoint-follow-topic-test',
    name: 'test reader',
    logger,
    signal: stop.signal,
    onMessage: (message) => read.push(message.value?.toString('utf8') ?? ''),
    ...extra,
  })
  return { read, errors, stop, following }
}

/** Polls `check` every 50 ms; throws `what` after `timeoutMs`. */
async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** How long `promise` takes to settle, in ms. */
async function timeToSettle(promise: Promise<unknown>): Promise<number> {
  const started = Date.now()
  await promise
  return Date.now() - started
}

describe('followTopic', () => {
  it('reads the topic from its start, then what is written after, in order', async () => {
    const topic = await freshTopic()
    await write(topic, ['a', 'b', 'c'])
    const joins: unknown[] = []
    const reader = startReader(topic, {
      beforeJoin: async (consumer) => void joins.push(consumer),
    })
    await waitFor(() => reader.read.length >= 3, 30_000, 'the records written before the start')
    await write(topic, ['d', 'e'])
    await waitFor(() => reader.read.length >= 5, 30_000, 'the records written after the start')
    reader.stop.abort()
    expect(await timeToSettle(reader.following)).toBeLessThan(7000)
    expect(reader.read).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(joins).toHaveLength(1)
    expect(reader.errors).toEqual([])
  }, 60_000)

  it('logs a start whose beforeJoin fails and tries again', async () => {
    const topic = await freshTopic()
    await write(topic, ['only'])
    let tries = 0
    const reader = startReader(topic, {
      beforeJoin: () =>
        ++tries === 1 ? Promise.reject(new Error('offsets unknown')) : Promise.resolve(),
    })
    await waitFor(() => reader.read.length >= 1, 30_000, 'the record after a failed start')
    reader.stop.abort()
    await reader.following
    expect(tries).toBe(2)
    expect(reader.read).toEqual(['only'])
    expect(reader.errors).toEqual([
      { msg: 'test reader could not start', error: 'offsets unknown' },
    ])
  }, 60_000)

  it('keeps trying while the broker is away, and stops within bounds', async () => {
    const reader = startReader('test-follow-nowhere', { brokers: ['127.0.0.1:1'] })
    await waitFor(() => reader.errors.length >= 1, 15_000, 'a logged failure to start')
    reader.stop.abort()
    // The consumer's close is bounded at 5 s, and no backoff is waited out after a stop.
    expect(await timeToSettle(reader.following)).toBeLessThan(7000)
    expect(reader.errors[0]?.msg).toBe('test reader could not start')
    expect(reader.read).toEqual([])
  }, 30_000)
})
