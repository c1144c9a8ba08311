// Roles that stand alone, on a real Kafka broker (KAFKA_BROKERS): a collector-only process
// starts and takes events while ClickHouse is down, and a consumer-only process serves its own
// /health and /metrics. Fails, never skips, when no broker answers.
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKafkaBus } from '../bus/kafkaBus'
import { loadConfig } from '../config'
import { silentLogger } from '../http/logger'
import { startServer, type RunningServer } from '../startServer'
import { postSigned } from './signedPost'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
// Nothing listens on port 1: a ClickHouse that is down, for real.
const CLICKHOUSE_DOWN = 'http://127.0.0.1:1'

let dataDir: string
let collector: RunningServer
let consumer: RunningServer

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-roles-'))
  collector = await startServer({
    config: loadConfig({ PORT: '0', KAFKA_BROKERS: brokers, CLICKHOUSE_URL: CLICKHOUSE_DOWN }),
    roles: ['collector'],
    logger: silentLogger,
  })
  consumer = await startServer({
    config: loadConfig({ PORT: '0', KAFKA_BROKERS: brokers, TRACKPOINT_DATA_DIR: dataDir }),
    roles: ['consumer'],
    consumerGroup: `roles-${randomUUID()}`,
    consumerStartAt: 'latest',
    logger: silentLogger,
  })
}, 60_000)

afterAll(async () => {
  await collector?.close()
  await consumer?.close()
  await rm(dataDir, { recursive: true, force: true })
})

const json = async (url: string) => {
  const response = await fetch(url)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
const metric = (text: string, name: string) =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)

const pageView = (user: string, page = '/onchain') => ({
  event_id: randomUUID(),
  event_name: 'page_view',
  user_id: user,
  timestamp: Date.now(),
  platform: 'web',
  page,
  session_id: 's',
  properties: { page_name: 'roles' },
})

describe('a collector-only process', () => {
  it('starts and acknowledges events with ClickHouse down, saying the bus is reachable', async () => {
    expect(collector.store).toBeUndefined()
    const deadline = Date.now() + 15_000
    let health = await json(`${collector.url}/api/v1/track/health`)
    while (!health.body.kafka_connected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      health = await json(`${collector.url}/api/v1/track/health`)
    }
    expect(health).toMatchObject({
      status: 200,
      body: { status: 'healthy', kafka_connected: true, clickhouse_connected: null },
    })
    const response = await postSigned(collector.url!, [pageView(`c-${randomUUID()}`)])
    expect(response.status).toBe(200)
  }, 30_000)
})

describe('a consumer-only process', () => {
  it('serves /health and /metrics: commits, lag per partition, insert latency, dead letters', async () => {
    expect(await json(`${consumer.url}/health`)).toMatchObject({
      status: 200,
      body: { status: 'healthy', role: 'consumer', clickhouse_connected: true },
    })
    const user = `m-${randomUUID()}`
    expect((await postSigned(collector.url!, [pageView(user)])).status).toBe(200)
    // A row ClickHouse refuses (a lone surrogate), straight onto the topic.
    const bus = createKafkaBus({ brokers, logger: silentLogger })
    try {
      await bus.publish([
        {
          ...pageView(user, '/p-\ud83d'),
          app_id: 'dev_app',
          client_ip: '127.0.0.1',
          received_at: Date.now(),
          sdk_version: 'test',
          app_version: '',
        } as never,
      ])
    } finally {
      await bus.close()
    }
    let text = ''
    // The consumer dead-letters the refused row, then commits: wait for both.
    await expect
      .poll(
        async () => {
          text = await (await fetch(`${consumer.url}/metrics`)).text()
          return (
            metric(text, 'trackpoint_consumer_rows_dead_lettered_total') >= 1 &&
            metric(text, 'trackpoint_consumer_last_commit_timestamp_seconds') > 0
          )
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true)
    expect(metric(text, 'trackpoint_consumer_last_commit_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    )
    expect(metric(text, 'trackpoint_consumer_insert_seconds_count'), text).toBeGreaterThanOrEqual(1)
    expect(text).toMatch(
      /^trackpoint_consumer_lag_messages\{partition="tracking_events:\d+"\} \d+$/m,
    )
    expect(text).toMatch(/^trackpoint_consumer_batches_failed_total/m)
    const health = await json(`${consumer.url}/health`)
    expect(health.body.last_commit_at).toEqual(expect.any(String))
  }, 60_000)
})
