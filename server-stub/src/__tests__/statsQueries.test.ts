import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsumerHandler } from '../consumer'
import { actionStats, deliveryStats, overview, rate, setTargetUsers } from '../stats/queries'
import { eachDay, fillDays, isDay, rangeParams } from '../stats/statsRange'
import { createChdbStore } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { acceptedEvent } from './fixtures'

const DAY = 86_400_000
const TODAY = Math.floor(Date.now() / DAY) * DAY
const D1 = TODAY - 3 * DAY
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

let n = 0
const event = (
  event_name: string,
  timestamp: number,
  properties: Record<string, unknown>,
  user_id: string,
  page = '/onchain',
): AcceptedEvent =>
  acceptedEvent(event_name, properties, {
    timestamp,
    user_id,
    page,
    session_id: `s${++n}`,
  })

let dir: string
let store: EventStore

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-stats-'))
  store = createChdbStore(dir)
  await store.migrate()
  const rec = { content_type: 'card' }
  await createConsumerHandler(store).handle([
    event('recommend_impression', D1, { ...rec, delivery_id: 'd1' }, 'u1'),
    event('recommend_impression', D1 + 1000, { ...rec, delivery_id: 'd1' }, 'u2'),
    event('recommend_impression', D1 + 2000, { ...rec, delivery_id: 'd1' }, 'u3'),
    event('recommend_impression', D1 + 2 * DAY, { ...rec, delivery_id: 'd1' }, 'u4'),
    event('recommend_click', D1 + 5000, { ...rec, delivery_id: 'd1' }, 'u1'),
    event('recommend_complete', D1 + 9000, { delivery_id: 'd1', action_id: 'a1' }, 'u1'),
    // Expands and collapses: three and one on d1 (one two days later), one on another delivery.
    event('recommend_expand_collapse', D1 + 100, { delivery_id: 'd1', action: 'expand' }, 'u1'),
    event('recommend_expand_collapse', D1 + 200, { delivery_id: 'd1', action: 'collapse' }, 'u1'),
    event('recommend_expand_collapse', D1 + 300, { delivery_id: 'd1', action: 'expand' }, 'u2'),
    event('recommend_expand_collapse', D1 + 2 * DAY, { delivery_id: 'd1', action: 'expand' }, 'u4'),
    event('recommend_expand_collapse', D1 + 400, { delivery_id: 'd9', action: 'collapse' }, 'u1'),
    event('page_view', D1, { page_name: 'landing', action_id: 'a1' }, 'u1', '/onchain/a1'),
    event('page_view', D1 + 10, { page_name: 'landing' }, 'u1', '/onchain'),
    event('page_view', D1 + 20, { page_name: 'landing' }, 'u2', '/onchain'),
    event('page_view', D1 + DAY, { page_name: 'landing' }, 'u1', '/onchain'),
    event('card_click', D1 + 30, { card_id: 'a1' }, 'u1'),
    event('action_start', D1 + 40, { action_id: 'a1' }, 'u1'),
    event('action_start', D1 + 50, { action_id: 'a1' }, 'u2'),
    event('action_start', D1 + 2 * DAY, { action_id: 'a1' }, 'u3'),
    event('action_complete', D1 + 60, { action_id: 'a1' }, 'u1'),
  ])
  await setTargetUsers(store, 'd1', 8)
})

afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('deliveryStats', () => {
  it('answers exactly the §九 shape', async () => {
    expect(await deliveryStats(store, 'd1')).toStrictEqual({
      delivery_id: 'd1',
      target_users: 8,
      viewed_users: 4,
      clicked_users: 1,
      completed_users: 1,
      view_rate: 0.5,
      click_rate: 0.25,
      completion_rate: 0.25,
      expands: 3,
      collapses: 1,
      daily_stats: [
        { date: day(D1), views: 3, clicks: 1, completions: 1 },
        { date: day(D1 + DAY), views: 0, clicks: 0, completions: 0 },
        { date: day(D1 + 2 * DAY), views: 1, clicks: 0, completions: 0 },
      ],
    })
  })

  it('limits users and days to the range, listing every day of it', async () => {
    const stats = await deliveryStats(store, 'd1', { from: day(D1 + DAY), to: day(D1 + 3 * DAY) })
    expect(stats).toMatchObject({
      viewed_users: 1,
      clicked_users: 0,
      view_rate: 0.125,
      click_rate: 0,
      expands: 1,
      collapses: 0,
    })
    expect(stats.daily_stats.map((d) => [d.date, d.views])).toEqual([
      [day(D1 + DAY), 0],
      [day(D1 + 2 * DAY), 1],
      [day(D1 + 3 * DAY), 0],
    ])
  })

  it('gives zeros, not NaN, for a delivery nobody saw and no target', async () => {
    expect(await deliveryStats(store, 'nobody')).toStrictEqual({
      delivery_id: 'nobody',
      target_users: 0,
      viewed_users: 0,
      clicked_users: 0,
      completed_users: 0,
      view_rate: 0,
      click_rate: 0,
      completion_rate: 0,
      expands: 0,
      collapses: 0,
      daily_stats: [],
    })
  })
})

describe('actionStats', () => {
  it('answers the §九 shape with the ordered funnel and the completion rate per day', async () => {
    const zero = { card_clicks: 0, reward_claims: 0, started_users: 0, completed_users: 0 }
    expect(await actionStats(store, 'a1')).toStrictEqual({
      action_id: 'a1',
      page_views: 1,
      card_clicks: 1,
      starts: 3,
      completions: 1,
      conversion_rate: 0.3333,
      reward_claims: 0,
      // Only u1 viewed the Action's page first; u2 and u3 started without it.
      funnel: [
        { step: 'page_view', users: 1, events: 1, conversion: 1 },
        { step: 'card_click', users: 1, events: 1, conversion: 1 },
        { step: 'action_start', users: 1, events: 3, conversion: 1 },
        { step: 'action_complete', users: 1, events: 1, conversion: 1 },
        { step: 'reward_claim', users: 0, events: 0, conversion: 0 },
      ],
      completion_rate: 0.3333,
      daily_stats: [
        {
          date: day(D1),
          views: 1,
          card_clicks: 1,
          starts: 2,
          completions: 1,
          reward_claims: 0,
          started_users: 2,
          completed_users: 1,
          completion_rate: 0.5,
        },
        { date: day(D1 + DAY), views: 0, starts: 0, completions: 0, completion_rate: 0, ...zero },
        {
          date: day(D1 + 2 * DAY),
          views: 0,
          starts: 1,
          completions: 0,
          completion_rate: 0,
          ...zero,
          started_users: 1,
        },
      ],
    })
  })
})

describe('overview', () => {
  it('gives PV and exact UV per day and in total, and the top pages', async () => {
    expect(await overview(store, { from: day(D1 - DAY), to: day(D1 + DAY) })).toStrictEqual({
      pv: 4,
      uv: 2,
      daily_stats: [
        { date: day(D1 - DAY), pv: 0, uv: 0 },
        { date: day(D1), pv: 3, uv: 2 },
        { date: day(D1 + DAY), pv: 1, uv: 1 },
      ],
      top_pages: [
        { page: '/onchain', pv: 3, uv: 2 },
        { page: '/onchain/a1', pv: 1, uv: 1 },
      ],
    })
    expect((await overview(store, { topPages: 1 })).top_pages).toHaveLength(1)
  })
})

describe('ranges and rates', () => {
  it('rejects malformed ranges with a RangeError that says what is wrong', async () => {
    await expect(deliveryStats(store, 'd1', { from: '2024-02-30' })).rejects.toThrow(
      'from must be a day written YYYY-MM-DD, got "2024-02-30"',
    )
    await expect(overview(store, { from: '2024-05-02', to: '2024-05-01' })).rejects.toThrow(
      RangeError,
    )
    expect(isDay('2024-02-29')).toBe(true)
    expect(rangeParams({})).toEqual({ from: '1970-01-01', to: '2149-06-06' })
  })

  it('fills days from the data when a bound is open', () => {
    const zero = (date: string) => ({ date, n: 0 })
    const rows = [
      { date: '2024-12-31', n: 1 },
      { date: '2025-01-02', n: 2 },
    ]
    expect(fillDays(rows, {}, zero).map((r) => r.n)).toEqual([1, 0, 2])
    expect(fillDays(rows, { from: '2024-12-30' }, zero)).toHaveLength(4)
    expect(fillDays([], { from: '2024-12-30' }, zero)).toEqual([])
    expect(eachDay('2024-02-28', '2024-03-01')).toEqual(['2024-02-28', '2024-02-29', '2024-03-01'])
  })

  it('rounds rates to four decimals and answers 0 for a zero denominator', () => {
    expect(rate(850, 3200)).toBe(0.2656)
    expect(rate(3200, 5000)).toBe(0.64)
    expect(rate(3, 0)).toBe(0)
  })
})
