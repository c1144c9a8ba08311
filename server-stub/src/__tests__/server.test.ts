// The embedded deployment as `npm start` runs it: every role in one process, the in-process
// bus and the real ClickHouse engine (chdb) on a data directory.
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../config'
import { silentLogger } from '../http/logger'
import { startServer, type RunningServer } from '../startServer'
import { postSigned } from './signedPost'

let dataDir: string
let server: RunningServer

const start = () =>
  startServer({
    config: loadConfig({
      TRACKPOINT_DATA_DIR: dataDir,
      PORT: '0',
      TRACKPOINT_ADMIN_TOKEN: 'admin',
    }),
    logger: silentLogger,
  })

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-server-'))
  server = await start()
})
afterAll(async () => {
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
})

const event = (name: string, userId: string, properties: Record<string, unknown>) => ({
  event_id: randomUUID(),
  event_name: name,
  user_id: userId,
  timestamp: Date.now(),
  platform: 'web',
  page: '/onchain',
  session_id: 's1',
  properties,
})

async function post(events: unknown[]) {
  const response = await postSigned(server.url!, events)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const get = async (path: string, token = 'admin') => {
  const response = await fetch(`${server.url}${path}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('the embedded server', () => {
  it('stores what the collector acknowledged and reports it through the stats API', async () => {
    const answer = await post([
      event('recommend_impression', 'u1', { delivery_id: 'd1', content_type: 'banner' }),
      event('recommend_impression', 'u2', { delivery_id: 'd1', content_type: 'banner' }),
      event('recommend_click', 'u1', { delivery_id: 'd1', content_type: 'banner' }),
      event('recommend_complete', 'u1', { delivery_id: 'd1', action_id: 'a1' }),
    ])
    expect(answer).toMatchObject({ status: 200, body: { processed_count: 4 } })
    const put = await fetch(`${server.url}/api/admin/deliveries/d1`, {
      method: 'PUT',
      headers: { Authorization: 'Bearer admin', 'Content-Type': 'application/json' },
      body: JSON.stringify({ target_users: 4 }),
    })
    expect(put.status).toBe(200)
    const { status, body } = await get('/api/stats/delivery/d1')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      delivery_id: 'd1',
      target_users: 4,
      viewed_users: 2,
      clicked_users: 1,
      completed_users: 1,
      view_rate: 0.5,
      click_rate: 0.5,
      completion_rate: 0.5,
    })
  })

  it('keeps its data across a restart on the same data directory', async () => {
    await post([event('page_view', 'u9', { page_name: 'landing' })])
    const before = (await get('/api/stats/overview')).body
    await server.close()
    server = await start()
    expect((await get('/api/stats/overview')).body).toEqual(before)
  })

  it('answers 401 without the admin token and 400 for a date that does not exist', async () => {
    expect((await get('/api/stats/overview', '')).status).toBe(401)
    expect((await get('/api/stats/overview', 'wrong')).status).toBe(401)
    const bad = await get('/api/stats/delivery/d1?from=2024-02-30')
    expect(bad.status).toBe(400)
    expect(String(bad.body.message)).toMatch(/from/)
    const body = await fetch(`${server.url}/api/admin/deliveries/d1`, {
      method: 'PUT',
      headers: { Authorization: 'Bearer admin' },
      body: JSON.stringify({ target_users: -1 }),
    })
    expect(body.status).toBe(400)
  })

  it('publishes the OpenAPI 3.1 document of the collector and stats APIs, without a token', async () => {
    const response = await fetch(`${server.url}/api/openapi.json`)
    expect(response.status).toBe(200)
    const document = (await response.json()) as { openapi: string; paths: Record<string, object> }
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/admin/deliveries/{id}',
      '/api/admin/partner-tokens',
      '/api/admin/partner-tokens/{id}',
      '/api/admin/plan',
      '/api/admin/users/{user_id}',
      '/api/plan',
      '/api/stats/action/{id}',
      '/api/stats/actions',
      '/api/stats/deliveries',
      '/api/stats/delivery/{id}',
      '/api/stats/health',
      '/api/stats/live',
      '/api/stats/overview',
      '/api/stats/paths',
      '/api/stats/sources',
      '/api/stats/whoami',
      '/api/v1/track',
      '/api/v1/track/batch',
      '/api/v1/track/debug',
      '/api/v1/track/health',
      '/metrics',
    ])
  })

  it('reports both backends connected in health', async () => {
    const response = await fetch(`${server.url}/api/v1/track/health`)
    expect(await response.json()).toMatchObject({
      status: 'healthy',
      kafka_connected: true,
      clickhouse_connected: true,
    })
  })

  it('refuses to split collector and consumer without Kafka, saying why', async () => {
    await expect(
      startServer({
        config: loadConfig({ TRACKPOINT_DATA_DIR: dataDir, PORT: '0' }),
        roles: ['collector'],
        logger: silentLogger,
      }),
    ).rejects.toThrow(ConfigError)
  })
})
