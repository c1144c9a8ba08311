// Refusals in the health view of a scaled deployment, on a real Kafka broker (KAFKA_BROKERS):
// collector-only processes publish their refusal tallies, a consumer-only process stores them,
// a stats-only process shows them. Fails, never skips, when no broker answers. Each run uses a
// refusal topic of its own (TRACKPOINT_REFUSAL_TOPIC), so other suites' collectors cannot add
// to its counts.
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { computeSign } from '@trackpoint/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKafkaRefusalSink } from '../bus/kafkaRefusalTallies'
import { loadConfig } from '../config'
import { silentLogger } from '../http/logger'
import { DEV_ADMIN_TOKEN, startServer, type RunningServer } from '../startServer'
import { postSigned } from './signedPost'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const CLICKHOUSE_DOWN = 'http://127.0.0.1:1'
const MINUTE = 60_000
const topic = `tracking_refusals_test_${randomUUID()}`

let dataDir: string
const servers: RunningServer[] = []
let collectorA: RunningServer
let collectorB: RunningServer
let consumer: RunningServer
let stats: RunningServer

const start = async (
  roles: ('collector' | 'consumer' | 'stats')[],
  env: Record<string, string>,
) => {
  const server = await startServer({
    config: loadConfig({
      PORT: '0',
      KAFKA_BROKERS: brokers,
      TRACKPOINT_REFUSAL_TOPIC: topic,
      TRACKPOINT_DATA_DIR: dataDir,
      ...env,
    }),
    roles,
    consumerGroup: `refusals-${randomUUID()}`,
    consumerStartAt: 'latest',
    logger: silentLogger,
    refusalPublishMs: 300,
  })
  servers.push(server)
  return server
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-refusals-'))
  // The collectors never touch ClickHouse: one that is down proves it.
  collectorA = await start(['collector'], { CLICKHOUSE_URL: CLICKHOUSE_DOWN })
  collectorB = await start(['collector'], { CLICKHOUSE_URL: CLICKHOUSE_DOWN })
  // Consumer and stats share the embedded store's data dir (chdb: one dir per process).
  consumer = await start(['consumer'], {})
  stats = await start(['stats'], {})
}, 90_000)

afterAll(async () => {
  for (const server of servers) await server.close()
  await rm(dataDir, { recursive: true, force: true })
}, 60_000)

type Health = {
  rejected_source: string
  throughput: { start: number; rejected: Record<string, number> }[]
}
const health = async (): Promise<Health> => {
  const response = await fetch(`${stats.url}/api/stats/health?tz=UTC`, {
    headers: { Authorization: `Bearer ${DEV_ADMIN_TOKEN}` },
  })
  expect(response.status).toBe(200)
  return (await response.json()) as Health
}
const minuteOf = (body: Health, start: number) =>
  body.throughput.find((bucket) => bucket.start === start)?.rejected ?? {}
const totals = (body: Health) => {
  const sum: Record<string, number> = {}
  for (const bucket of body.throughput)
    for (const [reason, n] of Object.entries(bucket.rejected)) sum[reason] = (sum[reason] ?? 0) + n
  return sum
}
/** The collector's own counter of refused events, by reason. */
const refusedMetric = async (server: RunningServer) => {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const counts: Record<string, number> = {}
  for (const [, reason, n] of text.matchAll(
    /^trackpoint_collector_events_rejected_total\{reason="([^"]+)"\} (\S+)$/gm,
  ))
    counts[reason!] = Number(n)
  return counts
}
/** Waits until at least `marginMs` remain in the current minute, so a minute check is fair. */
const awayFromMinuteEnd = async (marginMs = 15_000) => {
  const left = MINUTE - (Date.now() % MINUTE)
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 200))
}

const badSignature = (server: RunningServer, events: number) => {
  const timestamp = Date.now()
  return fetch(`${server.url}/api/v1/track`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      app_id: 'dev_app',
      timestamp,
      sign: computeSign('dev_app', timestamp, 'not_the_secret'),
      sdk_version: 'test',
      events: Array.from({ length: events }, () => ({ event_id: randomUUID() })),
    }),
  })
}
/** A page view without user_id: invalid, refused with a validation code. */
const invalidEvent = () => ({
  event_id: randomUUID(),
  event_name: 'page_view',
  timestamp: Date.now(),
  platform: 'web',
  page: '/x',
  session_id: 's',
  properties: {},
})

describe('refusals of a collector-only process, seen by a stats-only process', () => {
  it('shows them by reason in the minute they happened, read from the store', async () => {
    await awayFromMinuteEnd()
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE
    expect((await badSignature(collectorA, 3)).status).toBe(401)
    expect((await postSigned(collectorA.url!, [invalidEvent(), invalidEvent()])).status).toBe(400)
    const counted = await refusedMetric(collectorA)
    expect(Object.values(counted).reduce((a, b) => a + b, 0)).toBe(5)
    expect(Object.keys(counted)).toHaveLength(2)
    await expect
      .poll(async () => minuteOf(await health(), minute), { timeout: 30_000, interval: 300 })
      .toEqual(counted)
    const body = await health()
    expect(body.rejected_source).toBe('store')
    // Nowhere else in the hour.
    expect(totals(body)).toEqual(counted)
  }, 60_000)

  it("adds up two collectors' refusals", async () => {
    const before = totals(await health())
    expect((await postSigned(collectorA.url!, [invalidEvent()])).status).toBe(400)
    expect(
      (await postSigned(collectorB.url!, [invalidEvent(), invalidEvent(), invalidEvent()])).status,
    ).toBe(400)
    const a = await refusedMetric(collectorA)
    const b = await refusedMetric(collectorB)
    expect(Object.keys(b)).toHaveLength(1)
    const reason = Object.keys(b)[0]!
    expect(b[reason]).toBe(3)
    await expect
      .poll(async () => totals(await health())[reason], { timeout: 30_000, interval: 300 })
      .toBe(a[reason]! + b[reason]!)
    expect((before[reason] ?? 0) + 4).toBe(a[reason]! + b[reason]!)
  }, 60_000)
})

describe('a collector that stops', () => {
  it('publishes its last tallies on the way out', async () => {
    // A period that never comes round in the test: only the publish at close can carry them.
    const stopping = await startServer({
      config: loadConfig({
        PORT: '0',
        KAFKA_BROKERS: brokers,
        TRACKPOINT_REFUSAL_TOPIC: topic,
        CLICKHOUSE_URL: CLICKHOUSE_DOWN,
      }),
      roles: ['collector'],
      logger: silentLogger,
      refusalPublishMs: 600_000,
    })
    const before = totals(await health())
    expect((await badSignature(stopping, 2)).status).toBe(401)
    const counted = await refusedMetric(stopping)
    const [reason] = Object.keys(counted)
    expect(counted[reason!]).toBe(2)
    await stopping.close()
    await expect
      .poll(async () => totals(await health())[reason!], { timeout: 30_000, interval: 300 })
      .toBe((before[reason!] ?? 0) + 2)
  }, 60_000)
})

describe('tallies sent twice, out of order or replayed', () => {
  it('change nothing: the view keeps the highest count per collector and minute', async () => {
    const sink = createKafkaRefusalSink({ brokers, topic, logger: silentLogger })
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE
    const instance = `replayed-${randomUUID()}`
    const marker = (name: string) => ({
      instance: `marker-${randomUUID()}`,
      minute,
      rejected: { [name]: 1 },
    })
    const shownBefore = totals(await health())
    expect(Object.keys(shownBefore).length).toBeGreaterThanOrEqual(2)
    try {
      const tally = { instance, minute, rejected: { replay_probe: 7 } }
      await sink.send([tally])
      await sink.send([tally])
      // An older tally of the same minute, arriving late.
      await sink.send([{ instance, minute, rejected: { replay_probe: 3 } }])
      // One partition: once the marker is shown, everything before it was stored.
      await sink.send([marker('marker_one')])
      await expect
        .poll(async () => minuteOf(await health(), minute).marker_one, { timeout: 30_000 })
        .toBe(1)
      expect(minuteOf(await health(), minute).replay_probe).toBe(7)

      // A replay: a new consumer process reads the whole topic again into the same store.
      await consumer.close()
      await sink.send([marker('marker_two')])
      consumer = await start(['consumer'], {})
      await expect
        .poll(async () => minuteOf(await health(), minute).marker_two, { timeout: 30_000 })
        .toBe(1)
      expect(minuteOf(await health(), minute)).toEqual({
        replay_probe: 7,
        marker_one: 1,
        marker_two: 1,
      })
      // The collectors' refusals, read again too, did not double either.
      const shown = totals(await health())
      for (const [reason, n] of Object.entries(shownBefore)) expect(shown[reason]).toBe(n)
    } finally {
      await sink.close()
    }
  }, 90_000)
})

describe('a collector whose broker is away', () => {
  it('still answers refusals at once and stops within bounds', async () => {
    const lonely = await startServer({
      // Nothing listens on port 1: a broker that is down, for real.
      config: loadConfig({
        PORT: '0',
        KAFKA_BROKERS: '127.0.0.1:1',
        TRACKPOINT_REFUSAL_TOPIC: topic,
        CLICKHOUSE_URL: CLICKHOUSE_DOWN,
      }),
      roles: ['collector'],
      logger: silentLogger,
      refusalPublishMs: 100,
    })
    try {
      const started = Date.now()
      for (let i = 0; i < 5; i++) {
        expect((await postSigned(lonely.url!, [invalidEvent()])).status).toBe(400)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(Object.values(await refusedMetric(lonely))).toEqual([5])
    } finally {
      const closing = Date.now()
      await lonely.close(1000)
      // The last publish at close is bounded (3 s), the sink's close (5 s) and the bus's too.
      expect(Date.now() - closing).toBeLessThan(10_000)
    }
  }, 60_000)
})
