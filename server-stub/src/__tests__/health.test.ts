// Health that tells the truth: the embedded server is 503 while it cannot store, the consumer
// is 503 while its store is down or its batches have failed for 30 s, and both say `draining`.
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryBus } from '../bus/memoryBus'
import { createConsumerHandler } from '../consumer'
import { createConsumerMetrics } from '../consumer/consumerMetrics'
import { consumerRoutes, type ConsumerRoutesOptions } from '../consumer/consumerRoutes'
import { createHttpServer, listenHttp, type ListeningHttp } from '../http/createHttpServer'
import { silentLogger } from '../http/logger'
import { createHttpStore } from '../store'
import { startHarness, type Harness } from './collectorHarness'

// Nothing listens on port 1: a ClickHouse that is down, for real.
const down = () => createHttpStore('http://127.0.0.1:1')

let h: Harness | undefined
let server: ListeningHttp | undefined
afterEach(async () => {
  await h?.close()
  await server?.close()
  h = server = undefined
})

describe('the embedded collector', () => {
  it('is unhealthy (503) while the store behind its bus is down', async () => {
    const store = down()
    h = await startHarness({
      bus: createMemoryBus(createConsumerHandler(store)),
      storeConnected: () => store.connected(),
      storeRequired: true,
    })
    const response = await fetch(`${h.url}/api/v1/track/health`)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({
      status: 'unhealthy',
      kafka_connected: true,
      clickhouse_connected: false,
    })
    await store.close()
  })

  it('says draining (503) once shutting down', async () => {
    h = await startHarness({ draining: () => true })
    const response = await fetch(`${h.url}/api/v1/track/health`)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ status: 'draining' })
  })
})

describe('the consumer', () => {
  const serve = async (
    options: Partial<ConsumerRoutesOptions> & {
      metrics: ReturnType<typeof createConsumerMetrics>
    },
  ) => {
    const app = createHttpServer({ logger: silentLogger })
    await app.register(consumerRoutes, {
      lag: () => Promise.resolve({ 'tracking_events:0': 3 }),
      storeConnected: () => Promise.resolve(true),
      draining: () => false,
      serveMetrics: true,
      ...options,
    })
    server = await listenHttp(app)
    const response = await fetch(`${server.url}/health`)
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it('is unhealthy when its store does not answer', async () => {
    const store = down()
    const health = await serve({
      metrics: createConsumerMetrics(),
      storeConnected: () => store.connected(),
    })
    expect(health).toMatchObject({
      status: 503,
      body: { status: 'unhealthy', clickhouse_connected: false },
    })
    await store.close()
  })

  it('is unhealthy once batches have failed for 30 s, and healthy again after a commit', async () => {
    let now = 1_000_000
    const metrics = createConsumerMetrics(() => now)
    metrics.observer.batchFailed()
    now += 29_000
    expect((await serve({ metrics, now: () => now })).status).toBe(200)
    await server?.close()
    now += 1_000
    const stuck = await serve({ metrics, now: () => now })
    expect(stuck).toMatchObject({ status: 503, body: { status: 'unhealthy' } })
    expect(stuck.body.failing_since).toBe(new Date(1_000_000).toISOString())
    await server?.close()
    metrics.observer.committed()
    expect((await serve({ metrics, now: () => now })).body).toMatchObject({
      status: 'healthy',
      lag: { 'tracking_events:0': 3 },
    })
  })
})
