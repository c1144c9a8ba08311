// TRACKPOINT_RETENTION_DAYS (issue 14): one setting drives the ClickHouse TTL, the accepted
// timestamp window and the days the stats count; checked on the embedded server (chdb).
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_LIMITS, loadConfig } from '../config'
import { acceptedWindow } from '../eventTimeWindow'
import { silentLogger } from '../http/logger'
import { startServer, type RunningServer } from '../startServer'
import { applyRetention } from '../store/applyRetention'
import { toEventRow } from '../store/eventRow'
import { acceptedEvent } from './fixtures'
import { postSigned } from './signedPost'

const DAY = 86_400_000
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

let dataDir: string
let server: RunningServer

const start = (days: string) =>
  startServer({
    config: loadConfig({
      TRACKPOINT_DATA_DIR: dataDir,
      PORT: '0',
      TRACKPOINT_ADMIN_TOKEN: 'admin',
      TRACKPOINT_RETENTION_DAYS: days,
    }),
    logger: silentLogger,
  })

const ttls = async () =>
  (
    await server.store!.query<{ name: string; ddl: string }>(
      `SELECT name, create_table_query AS ddl FROM system.tables
       WHERE database = currentDatabase() AND name IN ('events', 'page_views_daily') ORDER BY name`,
    )
  ).map((row) => [row.name, /TTL (.*?)(SETTINGS|$)/.exec(row.ddl)?.[1]?.trim()])

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-retention-'))
  server = await start('10')
})
afterAll(async () => {
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
})

const pageView = (timestamp: number) => ({
  event_id: randomUUID(),
  event_name: 'page_view',
  user_id: `u-${timestamp}`,
  timestamp,
  platform: 'web',
  page: '/onchain',
  session_id: 's1',
  properties: { page_name: 'home' },
})

describe('TRACKPOINT_RETENTION_DAYS', () => {
  it('is read as whole days from 1 to 3650, and unset leaves the 3-month schema', () => {
    expect(loadConfig({ TRACKPOINT_RETENTION_DAYS: '30' }).limits.retentionDays).toBe(30)
    expect(loadConfig({}).limits.retentionDays).toBeUndefined()
    expect(() => loadConfig({ TRACKPOINT_RETENTION_DAYS: '0' })).toThrow(ConfigError)
    expect(() => loadConfig({ TRACKPOINT_RETENTION_DAYS: '1.5' })).toThrow(/1 to 3650/)
  })

  it('sets the TTL of events and the rollup, once, and again after a restart with another value', async () => {
    expect(await ttls()).toEqual([
      ['events', 'event_date + toIntervalDay(10)'],
      ['page_views_daily', 'event_date + toIntervalDay(10)'],
    ])
    // Already so: nothing is altered (no mutation at every start).
    expect(await applyRetention(server.store!, 10)).toEqual([])
    await server.close()
    server = await start('20')
    expect(await ttls()).toEqual([
      ['events', 'event_date + toIntervalDay(20)'],
      ['page_views_daily', 'event_date + toIntervalDay(20)'],
    ])
    await server.close()
    server = await start('10')
  })

  it('accepts events of the retained days only, and the stats count no older day', async () => {
    const today = Math.floor(Date.now() / DAY) * DAY
    const window = acceptedWindow(Date.now(), { ...DEFAULT_LIMITS, retentionDays: 10 })
    // Today and the 9 days before it: the TTL keeps event_date > today - 10.
    expect(window.oldest).toBe(today - 9 * DAY)

    const kept = today - 9 * DAY + 60_000
    const tooOld = today - 10 * DAY + 60_000
    const response = await postSigned(server.url!, [pageView(kept), pageView(tooOld)])
    const body = (await response.json()) as { results?: { code?: string }[] }
    expect(JSON.stringify(body)).toContain('timestamp_too_old')
    const stored = await server.store!.query<{ t: number }>(
      'SELECT toUnixTimestamp64Milli(timestamp) AS t FROM events',
    )
    expect(stored.map((row) => Number(row.t))).toEqual([kept])

    // A row older than the retention that reached the table anyway (another producer): not
    // counted by the overview, and gone at the next merge.
    await server.store!.insert('events', [
      toEventRow(acceptedEvent('page_view', {}, { timestamp: tooOld })),
    ])
    const range = `from=${dayOf(tooOld)}&to=${dayOf(today)}`
    const overview = await fetch(`${server.url}/api/stats/overview?${range}`, {
      headers: { Authorization: 'Bearer admin' },
    })
    const numbers = (await overview.json()) as {
      pv: number
      daily_stats: { date: string; pv: number }[]
    }
    expect(numbers.pv).toBe(1)
    expect(numbers.daily_stats.find((d) => d.date === dayOf(tooOld))?.pv).toBe(0)
    await server.store!.command('OPTIMIZE TABLE events FINAL')
    const [left] = await server.store!.query<{ n: number }>('SELECT count() AS n FROM events')
    expect(Number(left?.n)).toBe(1)
  }, 60_000)
})
