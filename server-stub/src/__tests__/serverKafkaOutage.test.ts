// A broker outage seen from the collector: health says kafka_connected false and track answers
// 503 + Retry-After (so the SDK keeps the events), and what was acknowledged before the outage
// still reaches the stats, as do the refusals of the outage (their tallies wait for the broker).
// Uses a broker of its own (KAFKA_OUTAGE_SERVER_PORT, default 19192)
// so other test files on the shared broker are not hit.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config'
import { silentLogger } from '../http/logger'
import { startServer, type RunningServer } from '../startServer'
import { postSigned } from './signedPost'

const PORT = process.env.KAFKA_OUTAGE_SERVER_PORT ?? '19192'
const SCRIPTS = fileURLToPath(new URL('../../../scripts/kafka/', import.meta.url))
const run = promisify(execFile)
const broker = (script: 'start.sh' | 'stop.sh', keepData = false) =>
  run('bash', [join(SCRIPTS, script)], {
    env: { ...process.env, KAFKA_PORT: PORT, ...(keepData ? { KAFKA_KEEP_DATA: '1' } : {}) },
    timeout: 90_000,
  })

let dataDir: string
let server: RunningServer

beforeAll(async () => {
  await broker('start.sh')
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-outage-'))
  server = await startServer({
    config: loadConfig({
      TRACKPOINT_DATA_DIR: dataDir,
      PORT: '0',
      TRACKPOINT_ADMIN_TOKEN: 'admin',
      KAFKA_BROKERS: `127.0.0.1:${PORT}`,
    }),
    consumerGroup: `outage-${randomUUID()}`,
    logger: silentLogger,
  })
}, 120_000)

afterAll(async () => {
  await server?.close()
  await broker('stop.sh')
  // Undefined when beforeAll failed early: that failure is the one to report.
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
}, 120_000)

const health = async () =>
  (await (await fetch(`${server.url}/api/v1/track/health`)).json()) as Record<string, unknown>

const impressions = (delivery: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    event_id: randomUUID(),
    event_name: 'recommend_impression',
    user_id: `user-${i}`,
    timestamp: Date.now(),
    platform: 'web',
    page: '/onchain',
    session_id: 's',
    properties: { delivery_id: delivery, content_type: 'banner' },
  }))

const post = (events: unknown[]) => postSigned(server.url!, events)

const viewedUsers = async (delivery: string) =>
  (
    (await (
      await fetch(`${server.url}/api/stats/delivery/${delivery}`, {
        headers: { Authorization: 'Bearer admin' },
      })
    ).json()) as { viewed_users: number }
  ).viewed_users

/** Refused events of the last hour in the health view, every reason. */
const refusedTotal = async () => {
  const body = (await (
    await fetch(`${server.url}/api/stats/health?tz=UTC`, {
      headers: { Authorization: 'Bearer admin' },
    })
  ).json()) as { rejected_source: string; throughput: { rejected: Record<string, number> }[] }
  expect(body.rejected_source).toBe('store')
  return body.throughput
    .flatMap((bucket) => Object.values(bucket.rejected))
    .reduce((sum, n) => sum + n, 0)
}

describe('a Kafka outage', () => {
  it('turns health red and track into 503, and loses nothing acknowledged', async () => {
    await expect.poll(async () => (await health()).kafka_connected, { timeout: 15_000 }).toBe(true)
    const before = `before-${randomUUID()}`
    expect((await post(impressions(before, 20))).status).toBe(200)

    await broker('stop.sh')
    await expect.poll(async () => (await health()).kafka_connected, { timeout: 15_000 }).toBe(false)
    const refused = await post(impressions(`during-${randomUUID()}`, 5))
    expect(refused.status).toBe(503)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await refused.json()).toMatchObject({ code: 503 })

    await broker('start.sh', true)
    await expect.poll(async () => (await health()).kafka_connected, { timeout: 30_000 }).toBe(true)
    // Accepted before the outage: stored once the consumer is back.
    await expect.poll(() => viewedUsers(before), { timeout: 45_000, interval: 500 }).toBe(20)
    // And the collector takes events again (the breaker closes after its cooldown).
    const after = `after-${randomUUID()}`
    await expect
      .poll(async () => (await post(impressions(after, 5))).status, {
        timeout: 20_000,
        interval: 1000,
      })
      .toBe(200)
    await expect.poll(() => viewedUsers(after), { timeout: 30_000, interval: 500 }).toBe(5)

    // The outage's 503s are refusals: their tallies failed to publish while the broker was away
    // and went out at a later period, so the health view (read from the store) shows them.
    await expect.poll(refusedTotal, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(5)
    const counter = await (await fetch(`${server.url}/metrics`)).text()
    const counted = [
      ...counter.matchAll(/^trackpoint_collector_events_rejected_total\{[^}]*\} (\S+)$/gm),
    ].reduce((sum, [, n]) => sum + Number(n), 0)
    expect(await refusedTotal()).toBe(counted)
  }, 180_000)
})
