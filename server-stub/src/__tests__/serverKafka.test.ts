// The scaled pipeline on real components: collector → Apache Kafka (the broker .ci/run starts,
// KAFKA_BROKERS) → consumer group → the ClickHouse engine → stats API, all roles in this
// process. Fails, never skips, when no broker answers.
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKafkaBus } from '../bus/kafkaBus'
import { loadConfig } from '../config'
import { silentLogger } from '../http/logger'
import { startServer, type RunningServer } from '../startServer'
import { deadLetterReasons } from './deadLetters'
import { postSigned } from './signedPost'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
let dataDir: string
let server: RunningServer

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-kafka-'))
  server = await startServer({
    config: loadConfig({
      TRACKPOINT_DATA_DIR: dataDir,
      PORT: '0',
      TRACKPOINT_ADMIN_TOKEN: 'admin',
      KAFKA_BROKERS: brokers,
    }),
    consumerGroup: `test-${randomUUID()}`,
    logger: silentLogger,
  })
  // The bus checks the broker every second: a missing broker fails here, with the reason.
  const deadline = Date.now() + 15_000
  while (!(await health()).kafka_connected) {
    if (Date.now() > deadline) {
      throw new Error(`No Kafka broker answers at ${brokers}: run scripts/kafka/start.sh`)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}, 30_000)

afterAll(async () => {
  await server?.close()
  await rm(dataDir, { recursive: true, force: true })
})

async function health(): Promise<Record<string, unknown>> {
  return (await (await fetch(`${server.url}/api/v1/track/health`)).json()) as Record<
    string,
    unknown
  >
}

const post = async (events: unknown[]) => (await postSigned(server.url!, events)).status

const deliveryStats = async (id: string) =>
  (await (
    await fetch(`${server.url}/api/stats/delivery/${id}`, {
      headers: { Authorization: 'Bearer admin' },
    })
  ).json()) as Record<string, number>

describe('the pipeline through Kafka', () => {
  it('stores every acknowledged event once, and a replay changes no number', async () => {
    const delivery = `d-${randomUUID()}`
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`)
    const events = users.flatMap((user, i) => [
      {
        event_id: randomUUID(),
        event_name: 'recommend_impression',
        user_id: user,
        timestamp: Date.now(),
        platform: 'web',
        page: '/onchain',
        session_id: 's',
        properties: { delivery_id: delivery, content_type: 'banner' },
      },
      ...(i % 4 === 0
        ? [
            {
              event_id: randomUUID(),
              event_name: 'recommend_click',
              user_id: user,
              timestamp: Date.now(),
              platform: 'web',
              page: '/onchain',
              session_id: 's',
              properties: { delivery_id: delivery, content_type: 'banner' },
            },
          ]
        : []),
    ])
    for (let i = 0; i < events.length; i += 25)
      expect(await post(events.slice(i, i + 25))).toBe(200)

    const expected = { viewed_users: 40, clicked_users: 10 }
    await expect
      .poll(
        async () => {
          const stats = await deliveryStats(delivery)
          return { viewed_users: stats.viewed_users, clicked_users: stats.clicked_users }
        },
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(expected)
    const daily = (await deliveryStats(delivery)) as unknown as {
      daily_stats: { views: number; clicks: number }[]
    }
    expect(daily.daily_stats.reduce((n, d) => n + d.views, 0)).toBe(40)

    // The SDK re-sends a batch it got no answer for: the same event_ids again.
    expect(await post(events.slice(0, 25))).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const after = (await deliveryStats(delivery)) as unknown as {
      viewed_users: number
      clicked_users: number
      daily_stats: { views: number; clicks: number }[]
    }
    expect({ viewed_users: after.viewed_users, clicked_users: after.clicked_users }).toEqual(
      expected,
    )
    expect(after.daily_stats.reduce((n, d) => n + d.views, 0)).toBe(40)
    expect(after.daily_stats.reduce((n, d) => n + d.clicks, 0)).toBe(10)
  }, 60_000)

  it('sends an event that fails the tracking plan to the dead-letter topic with the reason', async () => {
    // Straight onto the topic, as a producer that skipped the collector's validation would.
    const bus = createKafkaBus({ brokers, logger: silentLogger })
    const key = `dlq-${randomUUID()}`
    try {
      await bus.publish([
        {
          event_id: randomUUID(),
          event_name: 'recommend_impression',
          user_id: key,
          timestamp: Date.now(),
          platform: 'web',
          page: '/onchain',
          session_id: 's',
          properties: { content_type: 'banner' }, // no delivery_id
          app_id: 'dev_app',
          client_ip: '127.0.0.1',
          received_at: Date.now(),
          sdk_version: 'test',
          app_version: '',
        },
      ])
    } finally {
      await bus.close()
    }
    const [reason] = await deadLetterReasons(brokers, key, 1)
    expect(reason).toMatch(/properties\.delivery_id is required for recommend_impression/)
  }, 60_000)

  it('dead-letters poison rows with their reason and goes on storing what follows', async () => {
    // The batch, straight onto the topic (an older collector, another producer):
    // timestamps over 120 months, plus a row ClickHouse refuses (a lone surrogate in `page`).
    const bus = createKafkaBus({ brokers, logger: silentLogger })
    const key = `poison-${randomUUID()}`
    const message = (timestamp: number, page = '/onchain') => ({
      event_id: randomUUID(),
      event_name: 'page_view',
      user_id: key,
      timestamp,
      platform: 'web' as const,
      page,
      session_id: 's',
      properties: { page_name: key },
      app_id: 'dev_app',
      client_ip: '127.0.0.1',
      received_at: Date.now(),
      sdk_version: 'test',
      app_version: '',
    })
    try {
      await bus.publish([
        ...Array.from({ length: 60 }, (_, i) =>
          message(Date.UTC(2002 + Math.floor(i / 6) * 5, (i * 2) % 12, 1)),
        ),
        message(Date.now(), '/page-\ud83d'),
      ])
    } finally {
      await bus.close()
    }
    // 50 ordinary events sent after them through the collector are all stored.
    const ordinary = Array.from({ length: 50 }, () => ({
      event_id: randomUUID(),
      event_name: 'page_view',
      user_id: `${key}-ok`,
      timestamp: Date.now(),
      platform: 'web',
      page: '/onchain',
      session_id: 's',
      properties: { page_name: key },
    }))
    expect(await post(ordinary)).toBe(200)
    await expect
      .poll(
        async () => {
          const [row] = await server.store!.query<{ n: number }>(
            `SELECT count() AS n FROM events FINAL WHERE JSONExtractString(properties, 'page_name') = {key:String}`,
            { key },
          )
          return row?.n
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(50)
    const reasons = await deadLetterReasons(brokers, key, 61)
    expect(reasons).toHaveLength(61)
    const counts = reasons.reduce<Record<string, number>>((acc, reason) => {
      const code = reason.split(':', 1)[0]!
      acc[code] = (acc[code] ?? 0) + 1
      return acc
    }, {})
    expect(counts.store_refused).toBe(1)
    expect((counts.timestamp_too_old ?? 0) + (counts.timestamp_in_future ?? 0)).toBe(60)
    expect(reasons.find((r) => r.startsWith('store_refused'))).toMatch(/escape sequence/i)
  }, 90_000)
})
