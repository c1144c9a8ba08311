// Days where the operators live: `tz` (and TRACKPOINT_TIMEZONE) make `from`, `to` and
// `daily_stats` the days of an IANA time zone, checked at the Asia/Shanghai day boundary
// (16:00 UTC) against the days Intl computes, on the real ClickHouse engine.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsumerHandler } from '../consumer'
import { createHttpServer, listenHttp } from '../http/createHttpServer'
import { silentLogger } from '../http/logger'
import { actionStats, deliveryStats, overview } from '../stats/queries'
import { statsRoutes } from '../stats/statsRoutes'
import { createChdbStore } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { acceptedEvent } from './fixtures'

const DAY = 86_400_000
const SHANGHAI = 'Asia/Shanghai'
/** The reference: the day Intl says `ms` falls on in `timeZone`. */
const dayIn = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms)

// 23:59:59.999 and 00:00:00.000 in Shanghai, ten days ago: one UTC day, two Shanghai days.
const utcDay = new Date(Date.now() - 10 * DAY).toISOString().slice(0, 10)
const before = Date.parse(`${utcDay}T15:59:59.999Z`)
const after = Date.parse(`${utcDay}T16:00:00.000Z`)
const first = dayIn(before, SHANGHAI)
const second = dayIn(after, SHANGHAI)

let dir: string
let store: EventStore
const random: AcceptedEvent[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-tz-'))
  store = createChdbStore(dir)
  await store.migrate()
  const at = (timestamp: number, name: string, properties: Record<string, unknown>, user: string) =>
    acceptedEvent(name, properties, { timestamp, user_id: user, page: `/${user}` })
  // Random page views over five days, for the daily series against the reference.
  let seed = 7
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647
  for (let i = 0; i < 300; i++) {
    const timestamp = Date.now() - 30 * DAY - Math.floor(next() * 5 * DAY)
    random.push(at(timestamp, 'page_view', { page_name: 'r' }, `r${i % 17}`))
  }
  await createConsumerHandler(store).handle([
    at(before, 'recommend_impression', { delivery_id: 'tz', content_type: 'card' }, 'u1'),
    at(after, 'recommend_impression', { delivery_id: 'tz', content_type: 'card' }, 'u2'),
    at(before, 'action_start', { action_id: 'tz' }, 'u1'),
    at(after, 'action_start', { action_id: 'tz' }, 'u2'),
    at(before, 'page_view', { page_name: 'p' }, 'u1'),
    at(after, 'page_view', { page_name: 'p' }, 'u2'),
    ...random,
  ])
})
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('stats in the days of a time zone', () => {
  it('puts 15:59:59.999 and 16:00 UTC on two Shanghai days, as Intl does, and on one UTC day', async () => {
    expect(first).not.toBe(second)
    const range = { from: first, to: second, tz: SHANGHAI }
    const delivery = await deliveryStats(store, 'tz', range)
    expect(delivery.daily_stats.map((d) => [d.date, d.views])).toEqual([
      [first, 1],
      [second, 1],
    ])
    const action = await actionStats(store, 'tz', range)
    expect(action.daily_stats.map((d) => [d.date, d.starts])).toEqual([
      [first, 1],
      [second, 1],
    ])
    const pages = await overview(store, range)
    expect(pages.daily_stats.map((d) => [d.date, d.pv])).toEqual([
      [first, 1],
      [second, 1],
    ])
    const utc = await deliveryStats(store, 'tz', { from: utcDay, to: utcDay })
    expect(utc.daily_stats).toEqual([{ date: utcDay, views: 2, clicks: 0, completions: 0 }])
  })

  it('reads from/to as days of the zone: the second Shanghai day holds only the later event', async () => {
    const range = { from: second, to: second, tz: SHANGHAI }
    expect(await deliveryStats(store, 'tz', range)).toMatchObject({ viewed_users: 1 })
    expect(await actionStats(store, 'tz', range)).toMatchObject({ starts: 1 })
    expect(await overview(store, range)).toMatchObject({
      pv: 1,
      uv: 1,
      top_pages: [{ page: '/u2', pv: 1, uv: 1 }],
    })
  })

  it.each([SHANGHAI, 'America/New_York', 'UTC'])(
    'counts random page views per %s day exactly as the reference',
    async (tz) => {
      const days = random.map((event) => dayIn(event.timestamp, tz)).sort()
      const range = { from: days[0]!, to: days[days.length - 1]!, tz }
      const expected = new Map<string, { pv: number; users: Set<string> }>()
      for (const event of random) {
        const day = dayIn(event.timestamp, tz)
        const entry = expected.get(day) ?? { pv: 0, users: new Set() }
        entry.pv++
        entry.users.add(event.user_id)
        expected.set(day, entry)
      }
      const answer = await overview(store, range)
      expect(answer.daily_stats.filter((d) => d.pv > 0)).toEqual(
        [...expected].sort().map(([date, { pv, users }]) => ({ date, pv, uv: users.size })),
      )
    },
  )

  it('takes tz in the API, defaults to TRACKPOINT_TIMEZONE, and refuses an unknown zone', async () => {
    const app = createHttpServer({ logger: silentLogger })
    await app.register(statsRoutes, { store, adminToken: 'a', timeZone: SHANGHAI })
    const server = await listenHttp(app)
    const get = async (query: string) => {
      const response = await fetch(`${server.url}/api/stats/delivery/tz?${query}`, {
        headers: { Authorization: 'Bearer a' },
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }
    try {
      const zoned = await get(`from=${first}&to=${second}`)
      expect((zoned.body.daily_stats as unknown[]).length).toBe(2)
      const utc = await get(`from=${utcDay}&to=${utcDay}&tz=UTC`)
      expect(utc.body.daily_stats).toEqual([{ date: utcDay, views: 2, clicks: 0, completions: 0 }])
      const bad = await get('tz=Mars/Olympus')
      expect(bad.status).toBe(400)
      expect(bad.body.message).toMatch(/IANA time zone/)
    } finally {
      await server.close()
    }
  })
})
