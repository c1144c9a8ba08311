// Integration tests of the Kafka bus against a real Apache Kafka 4.x broker, the one that
// scripts/kafka/start.sh runs (KAFKA_BROKERS, default 127.0.0.1:9092). Without a broker the
// file fails: a skipped integration test would hide a missing broker in CI.
//
// Consumers start at the end of the topic (startAt: 'latest') and the tests publish only after
// ready(): the topic may already hold millions of events (the benchmark shares the broker),
// and a fresh group reading all of them would take minutes. Each test tells its own events
// apart by a unique app_id.
//
// The outage test stops and restarts a broker. It uses a second broker of its own
// (KAFKA_OUTAGE_PORT, default 19092), so test files that share the main broker are not hit.
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Message } from '@platformatic/kafka'
import {
  compatibilityPartitioner,
  Consumer,
  murmur2,
  Producer,
  stringSerializers,
} from '@platformatic/kafka'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Logger } from '../http/logger'
import type { KafkaConsumer, KafkaConsumerOptions, KafkaEventBus } from '../bus/kafkaBus'
import { createKafkaBus, createKafkaConsumer } from '../bus/kafkaBus'
import { TRACKING_TOPIC } from '../bus/kafkaClientConfig'
import type { AcceptedEvent } from '../types'
import { deadLetterReasons } from './deadLetters'

const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const OUTAGE_PORT = Number(process.env.KAFKA_OUTAGE_PORT ?? 19092)
const SCRIPTS = fileURLToPath(new URL('../../../scripts/kafka/', import.meta.url))
const run = promisify(execFile)

/** Errors the bus logs are expected here (a stopped broker); keep them for failure messages. */
const logged: Record<string, unknown>[] = []
const logger: Logger = { info: () => undefined, error: (entry) => void logged.push(entry) }

/** Events of one test: its own app_id tells them apart from every other event in the topic. */
function makeEvents(appId: string, count: number, users: number, tag = ''): AcceptedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    event_id: randomUUID(),
    event_name: 'page_view',
    user_id: `user-${i % users}`,
    timestamp: Date.now(),
    platform: 'web',
    page: '/onchain/landing',
    session_id: `session-${i % users}`,
    properties: { tag, i },
    app_id: appId,
    client_ip: '127.0.0.1',
    received_at: Date.now(),
    sdk_version: '0.1.0',
    app_version: '1.0.0',
  }))
}

/** Polls `check` every 50 ms; throws `what` after `timeoutMs`. */
async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Rejects when `promise` takes longer than `ms`, so no test hangs on a broker. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const groupId = (name: string) => `test-${name}-${randomUUID()}`

/** Every consumer a test starts, stopped after it even when the test failed. */
const consumers: KafkaConsumer[] = []

/**
 * A consumer that records this test's events (by app_id) and hands them to `onBatch` first.
 * It starts at the end of the topic; resolves once it fetches, so what is published next
 * reaches it.
 */
async function startConsumer(
  appId: string,
  options: Partial<KafkaConsumerOptions> & { groupId: string },
  onBatch: (mine: AcceptedEvent[]) => void | Promise<void> = () => undefined,
  brokers = BROKERS,
) {
  const received: AcceptedEvent[] = []
  const consumer = createKafkaConsumer({
    brokers,
    logger,
    batchSize: 200,
    batchWaitMs: 100,
    retryInitialMs: 100,
    retryMaxMs: 400,
    sessionTimeoutMs: 6000,
    startAt: 'latest',
    handler: {
      async handle(events) {
        const mine = events.filter((event) => event.app_id === appId)
        await onBatch(mine)
        received.push(...mine)
      },
    },
    ...options,
  })
  consumers.push(consumer)
  await within(consumer.ready(), 20_000, `consumer of ${options.groupId} ready`)
  return { consumer, received }
}

/** The event in a message value, or undefined for what other tests left in the topic. */
function parseEvent(value: Buffer): AcceptedEvent | undefined {
  try {
    return JSON.parse(value.toString()) as AcceptedEvent
  } catch {
    return undefined
  }
}

const ids = (events: AcceptedEvent[]) => events.map((event) => event.event_id)

let bus: KafkaEventBus

beforeAll(async () => {
  bus = createKafkaBus({ brokers: BROKERS, logger })
  await waitFor(() => bus.connected(), 10_000, 'connect').catch(() => {
    throw new Error(
      `No Kafka broker answers at ${BROKERS} (${String(logged.at(-1)?.error)}). ` +
        'Start one with scripts/kafka/setup.sh && scripts/kafka/start.sh, or set KAFKA_BROKERS.',
    )
  })
}, 20_000)

afterAll(async () => {
  await Promise.all(consumers.map((consumer) => consumer.stop({ abandon: true })))
  await bus?.close()
}, 30_000)

describe('Kafka bus', () => {
  it('acknowledges every event and a fresh group receives each exactly once', async () => {
    const appId = randomUUID()
    // Ten concurrent publishes to the same ten users, so the same partitions: the case where
    // an idempotent producer of @platformatic/kafka 1.x acks events it never wrote.
    const batches = Array.from({ length: 10 }, () => makeEvents(appId, 30, 10))
    const { consumer, received } = await startConsumer(appId, { groupId: groupId('once') })
    await within(
      Promise.all(batches.map((events) => bus.publish(events))),
      10_000,
      'publish acknowledged',
    )
    expect(bus.pendingEvents()).toBe(0)

    const sent = batches.flat()
    await waitFor(() => received.length >= sent.length, 30_000, 'all 300 events consumed')
    // Give duplicates a chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await consumer.stop()

    expect(received).toHaveLength(sent.length)
    expect(new Set(ids(received))).toEqual(new Set(ids(sent)))
    const byId = new Map(received.map((event) => [event.event_id, event]))
    for (const event of sent) expect(byId.get(event.event_id)).toEqual(event)
  }, 60_000)

  it("puts one user's events in one partition, as the Java client would", async () => {
    const appId = randomUUID()
    const sent = makeEvents(appId, 200, 20)

    // A plain client, to see the key and partition of each message.
    const reader = new Consumer({
      clientId: 'test-reader',
      groupId: groupId('keys'),
      bootstrapBrokers: [BROKERS],
    })
    const partitions = new Map<string, Set<number>>()
    const keys: [string, string][] = []
    let seen = 0
    try {
      const stream = await reader.consume({
        topics: [TRACKING_TOPIC],
        mode: 'latest',
        autocommit: false,
        maxWaitTime: 500,
      })
      stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
        const event = parseEvent(message.value)
        if (event?.app_id !== appId) return
        keys.push([message.key.toString(), event.user_id])
        const set = partitions.get(event.user_id) ?? new Set()
        partitions.set(event.user_id, set.add(message.partition))
        seen++
      })
      // Start offsets are fixed once the first fetch answered.
      await within(once(stream, 'fetch'), 20_000, 'first fetch')
      await within(bus.publish(sent), 10_000, 'publish acknowledged')
      await waitFor(() => seen >= sent.length, 30_000, 'all 200 events read back')
    } finally {
      await reader.close(true)
    }

    expect(seen).toBe(sent.length)
    for (const [key, user] of keys) expect(key).toBe(user)
    expect(partitions.size).toBe(20)
    for (const [user, set] of partitions) {
      expect([...set]).toEqual([(murmur2(user) & 0x7fffffff) % 8])
    }
    expect(new Set([...partitions.values()].map((set) => [...set][0])).size).toBeGreaterThan(1)
  }, 60_000)

  it('sets unparsable messages aside in the dead-letter topic with the reason', async () => {
    const appId = randomUUID()
    const badKey = `bad-${appId}`
    const { consumer, received } = await startConsumer(appId, { groupId: groupId('dlq') })
    const raw = new Producer({
      clientId: 'test-raw',
      bootstrapBrokers: [BROKERS],
      serializers: stringSerializers,
      // The bus's partitioner, so these land in the partition of the valid events below.
      partitioner: compatibilityPartitioner,
    })
    try {
      await raw.send({
        messages: [
          { topic: TRACKING_TOPIC, key: badKey, value: '{not json' },
          { topic: TRACKING_TOPIC, key: badKey, value: JSON.stringify({ app_id: appId }) },
        ],
      })
    } finally {
      await raw.close()
    }
    // Same key, so same partition, after the bad ones: once these arrive, the bad ones are done.
    const good = makeEvents(appId, 10, 1).map((event) => ({ ...event, user_id: badKey }))
    await within(bus.publish(good), 10_000, 'publish acknowledged')
    await waitFor(() => received.length >= good.length, 30_000, 'valid events consumed')
    await consumer.stop()
    // The invalid ones never reach the handler, and do not hold up the valid ones.
    expect(new Set(ids(received))).toEqual(new Set(ids(good)))

    const reasons = await deadLetterReasons(BROKERS, badKey, 2)
    expect(reasons).toEqual([
      expect.stringMatching(/^not JSON/),
      'event_id missing or not a string',
    ])
  }, 60_000)

  it('hands a failed batch over again and commits it only once the handler succeeds', async () => {
    const appId = randomUUID()
    const group = groupId('retry')
    const sent = makeEvents(appId, 50, 5)
    const attempts: string[][] = []
    const first = await startConsumer(appId, { groupId: group }, (mine) => {
      if (!mine.length) return
      attempts.push(ids(mine).sort())
      if (attempts.length < 3) throw new Error('store unavailable')
    })
    await within(bus.publish(sent), 10_000, 'publish acknowledged')
    await waitFor(() => first.received.length >= sent.length, 30_000, 'batch handled after retries')
    await first.consumer.stop()

    // The first batch with these events failed twice and came back whole both times.
    expect(attempts.length).toBeGreaterThanOrEqual(3)
    expect(attempts[1]).toEqual(attempts[0])
    expect(attempts[2]).toEqual(attempts[0])
    expect(new Set(ids(first.received))).toEqual(new Set(ids(sent)))

    // Committed after the success: the next member of the group does not get them again.
    // user-0, one of the users above: its partition has a commit in this group.
    const marker = makeEvents(appId, 1, 1, 'marker')
    const next = await startConsumer(appId, { groupId: group })
    await within(bus.publish(marker), 10_000, 'publish acknowledged')
    await waitFor(() => next.received.length >= 1, 30_000, 'marker consumed')
    await next.consumer.stop()
    expect(ids(next.received)).toEqual(ids(marker))
  }, 60_000)

  it('leaves a batch whose handler keeps failing uncommitted for the next member', async () => {
    const appId = randomUUID()
    const group = groupId('failing')
    // Same users, so same partitions: the warm-up gives them a commit in this group, and the
    // next member resumes there (without one it would start at the end, past the batch).
    const warmUp = makeEvents(appId, 4, 4, 'warm-up')
    const sent = makeEvents(appId, 40, 4)
    let attempts = 0
    const failing = await startConsumer(appId, { groupId: group }, (mine) => {
      if (!mine.some((event) => event.properties.tag !== 'warm-up')) return
      attempts++
      throw new Error('store unavailable')
    })
    await within(bus.publish(warmUp), 10_000, 'publish acknowledged')
    await waitFor(() => failing.received.length >= warmUp.length, 30_000, 'warm-up handled')
    await within(bus.publish(sent), 10_000, 'publish acknowledged')
    await waitFor(() => attempts >= 2, 30_000, 'two failed attempts')
    await within(failing.consumer.stop(), 15_000, 'stop while failing')
    expect(new Set(ids(failing.received))).toEqual(new Set(ids(warmUp)))

    const next = await startConsumer(appId, { groupId: group })
    await waitFor(() => next.received.length >= sent.length, 30_000, 'batch replayed')
    await next.consumer.stop()
    expect(new Set(ids(next.received))).toEqual(new Set(ids(sent)))
  }, 60_000)

  it('hands a batch on once the topic goes quiet, without waiting out batchWaitMs', async () => {
    const appId = randomUUID()
    const batches: number[] = []
    const { received } = await startConsumer(
      appId,
      { groupId: groupId('idle'), batchWaitMs: 10_000, batchIdleMs: 100 },
      (mine) => void (mine.length && batches.push(mine.length)),
    )
    // One user, so one partition and one fetch stream; two bursts a quiet second apart (the
    // quiet is the condition under test, far shorter than the 10 s batchWaitMs).
    await within(bus.publish(makeEvents(appId, 10, 1, 'first')), 10_000, 'publish acknowledged')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await within(bus.publish(makeEvents(appId, 10, 1, 'second')), 10_000, 'publish acknowledged')
    await waitFor(() => received.length >= 20, 30_000, 'both bursts handled')
    // Waiting out batchWaitMs would have made one batch of 20.
    expect(batches).toEqual([10, 10])
  }, 60_000)

  it('reports lag only for the partitions it holds, also after a rebalance took some away', async () => {
    const appId = randomUUID()
    const group = groupId('lag')
    const first = await startConsumer(appId, { groupId: group })
    // 32 users spread over the topic's partitions.
    const before = makeEvents(appId, 64, 32, 'before')
    await within(bus.publish(before), 10_000, 'publish acknowledged')
    await waitFor(() => first.received.length >= before.length, 30_000, 'first batch handled')
    const partitions = async (consumer: KafkaConsumer) => Object.keys(await consumer.lag())
    // The handler saw the batch before its offsets were committed: wait for the commits.
    let alone: string[] = []
    const committedBy = Date.now() + 20_000
    while ((alone = await partitions(first.consumer)).length <= 1 && Date.now() < committedBy) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(alone.length).toBeGreaterThan(1)

    const second = await startConsumer(appId, { groupId: group })
    const after = makeEvents(appId, 64, 32, 'after')
    await within(bus.publish(after), 10_000, 'publish acknowledged')
    await waitFor(
      () => first.received.length + second.received.length >= before.length + after.length,
      30_000,
      'second batch handled by the group',
    )
    // Each member reports the partitions it holds now; none is reported by both.
    const deadline = Date.now() + 20_000
    let split: [string[], string[]] = [[], []]
    for (;;) {
      split = [await partitions(first.consumer), await partitions(second.consumer)]
      const shared = split[0].filter((key) => split[1].includes(key))
      if (split[0].length > 0 && split[1].length > 0 && shared.length === 0) break
      if (Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(split[0].filter((key) => split[1].includes(key))).toEqual([])
    expect(split[0].length).toBeLessThan(alone.length)
    expect(split[1].length).toBeGreaterThan(0)
  }, 90_000)

  it('replays a batch handled but not committed (crash in between) to the next member', async () => {
    const appId = randomUUID()
    const group = groupId('crash')
    // Same three users, so the partitions of `crashed` have a commit from `before`.
    const before = makeEvents(appId, 30, 3, 'before')
    const crashed = makeEvents(appId, 30, 3, 'crashed')
    let stopping: Promise<void> | undefined
    const first = await startConsumer(appId, { groupId: group }, (mine) => {
      // The handler stored the batch; the consumer dies before it commits the offsets.
      if (mine.some((event) => event.properties.tag === 'crashed')) {
        stopping ??= first.consumer.stop({ abandon: true })
      }
    })
    await within(bus.publish(before), 10_000, 'publish acknowledged')
    await waitFor(() => first.received.length >= before.length, 30_000, 'first batch handled')
    await within(bus.publish(crashed), 10_000, 'publish acknowledged')
    await waitFor(() => stopping !== undefined, 30_000, 'crash batch handled')
    await within(stopping!, 15_000, 'abandoning stop')
    const handledBeforeCrash = first.received.filter((event) => event.properties.tag === 'crashed')
    expect(handledBeforeCrash.length).toBeGreaterThan(0)

    const next = await startConsumer(appId, { groupId: group })
    await waitFor(() => next.received.length >= crashed.length, 30_000, 'crashed batch replayed')
    await new Promise((resolve) => setTimeout(resolve, 500))
    await next.consumer.stop()
    // Exactly the uncommitted events come back; the committed ones do not.
    expect(new Set(ids(next.received))).toEqual(new Set(ids(crashed)))
    expect(ids(next.received)).toEqual(expect.arrayContaining(ids(handledBeforeCrash)))
  }, 60_000)
})

describe('Kafka bus while the broker is away', () => {
  const brokers = `127.0.0.1:${OUTAGE_PORT}`
  const env = {
    ...process.env,
    PORT: String(OUTAGE_PORT),
    KAFKA_PORT: String(OUTAGE_PORT),
    KAFKA_CONTROLLER_PORT: String(OUTAGE_PORT + 1),
  }
  const script = (name: string, extra: Record<string, string> = {}) =>
    run('bash', [`${SCRIPTS}${name}.sh`], { env: { ...env, ...extra }, timeout: 90_000 })
  let outageBus: KafkaEventBus | undefined

  beforeAll(async () => {
    await script('start')
    outageBus = createKafkaBus({ brokers, logger, healthIntervalMs: 500, publishTimeoutMs: 5000 })
  }, 100_000)

  afterAll(async () => {
    await outageBus?.close()
    await script('stop')
  }, 60_000)

  it('reports disconnected and rejects publishes, then recovers and keeps what it had', async () => {
    const bus = outageBus!
    const appId = randomUUID()
    await waitFor(() => bus.connected(), 15_000, 'connected to the outage broker')
    // A consumer that lives through the outage: it must reconnect by itself.
    const { consumer, received } = await startConsumer(
      appId,
      { groupId: groupId('outage') },
      () => undefined,
      brokers,
    )
    const acknowledged = makeEvents(appId, 50, 5, 'before')
    await within(bus.publish(acknowledged), 10_000, 'publish acknowledged')
    await waitFor(() => received.length >= 50, 30_000, 'events consumed before the outage')

    await script('stop')
    const stoppedAt = Date.now()
    await waitFor(() => !bus.connected(), 5000, 'connected() turns false')
    const noticedMs = Date.now() - stoppedAt
    await expect(
      within(bus.publish(makeEvents(appId, 5, 5, 'lost')), 15_000, 'publish settles'),
    ).rejects.toThrow(/Kafka did not acknowledge|no acknowledgement/)

    await script('start', { KAFKA_KEEP_DATA: '1' })
    await waitFor(() => bus.connected(), 15_000, 'connected() turns true again')
    const after = makeEvents(appId, 50, 5, 'after')
    await within(bus.publish(after), 15_000, 'publish acknowledged after the restart')

    // Everything acknowledged, before and after the outage, arrives; the rejected ones do not.
    await waitFor(() => received.length >= 100, 45_000, 'events consumed after the restart')
    await consumer.stop()
    expect(new Set(ids(received))).toEqual(new Set(ids([...acknowledged, ...after])))
    expect(noticedMs).toBeLessThan(5000)
  }, 100_000)
})
