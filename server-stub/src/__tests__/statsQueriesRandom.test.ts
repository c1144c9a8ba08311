import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsumerHandler } from '../consumer'
import {
  DEDUP_WINDOW_MS,
  actionStats,
  deliveryStats,
  overview,
  rate,
  setTargetUsers,
  type StatsRange,
} from '../stats/queries'
import { eachDay } from '../stats/statsRange'
import { createChdbStore } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { clearEvents } from './fixtures'

/**
 * The stats against a reference written here in plain TypeScript, over randomised streams
 * (seeded, so a failure replays) with duplicate events, replayed batches, out-of-order arrival,
 * invalid events and impressions spaced around the 24 h window; checked before and after the
 * table merged its duplicates away.
 */

const HOUR = 3_600_000
const DAY = 24 * HOUR
// Recent days, so that the three-month TTL keeps everything.
const START = Math.floor(Date.now() / DAY) * DAY - 12 * DAY
const SPAN_DAYS = 10
const DELIVERIES = ['d0', 'd1', 'd2']
const ACTIONS = ['a0', 'a1']
const PAGES = ['/onchain', '/onchain/a0', '/onchain/a1', '/rewards', '/profile']

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  return { next, int, pick }
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

function makeStream(seed: number): AcceptedEvent[] {
  const rnd = prng(seed)
  const users = Array.from({ length: 30 }, (_, i) => `user-${i}`)
  const events: AcceptedEvent[] = []
  const add = (event_name: string, timestamp: number, properties: object, user_id: string) =>
    events.push({
      event_id: crypto.randomUUID(),
      event_name,
      user_id,
      timestamp: Math.round(timestamp),
      platform: rnd.pick(['web', 'ios', 'android'] as const),
      page: rnd.pick(PAGES),
      session_id: `s-${user_id}`,
      properties: properties as Record<string, unknown>,
      app_id: 'app',
      client_ip: '127.0.0.1',
      received_at: Math.round(timestamp) + 100,
      sdk_version: '0.1.0',
      app_version: '1.0.0',
    })
  // Gaps that straddle the window, plus any gap up to two days.
  const gap = () =>
    rnd.next() < 0.5
      ? rnd.pick([0, 23 * HOUR, DAY - 1, DAY, 25 * HOUR, HOUR])
      : rnd.next() * 2 * DAY
  for (const user of users) {
    for (const delivery_id of DELIVERIES) {
      for (const name of ['recommend_impression', 'recommend_click'] as const) {
        let t = START + rnd.next() * 3 * DAY
        for (let i = rnd.int(name === 'recommend_click' ? 3 : 7); i > 0; i -= 1) {
          add(name, t, { delivery_id, content_type: 'card' }, user)
          t += gap()
        }
      }
      for (let i = rnd.int(4); i > 0; i -= 1) {
        const action = rnd.pick(['expand', 'collapse'] as const)
        add(
          'recommend_expand_collapse',
          START + rnd.next() * SPAN_DAYS * DAY,
          { delivery_id, action },
          user,
        )
      }
      if (rnd.next() < 0.3) {
        const action_id = rnd.pick(ACTIONS)
        add(
          'recommend_complete',
          START + rnd.next() * SPAN_DAYS * DAY,
          { delivery_id, action_id },
          user,
        )
      }
    }
    for (let i = rnd.int(12); i > 0; i -= 1) {
      const t = START + rnd.next() * SPAN_DAYS * DAY
      const action_id = rnd.pick(ACTIONS)
      const kind = rnd.int(5)
      if (kind === 0) add('page_view', t, { page_name: 'p', action_id }, user)
      else if (kind === 1) add('page_view', t, { page_name: 'p' }, user)
      else if (kind === 2)
        add(
          'card_click',
          t,
          rnd.next() < 0.5 ? { card_id: action_id } : { card_id: 'x', action_id },
          user,
        )
      else if (kind === 3) add('action_start', t, { action_id }, user)
      else add('action_complete', t, { action_id }, user)
    }
  }
  return events
}

/** Shuffles the stream into batches with replays, duplicates and invalid events. */
function makeBatches(events: AcceptedEvent[], seed: number): AcceptedEvent[][] {
  const rnd = prng(seed ^ 0x5eed)
  const shuffled = [...events]
  for (let i = shuffled.length - 1; i > 0; i -= 1) {
    const j = rnd.int(i + 1)
    ;[shuffled[i], shuffled[j]] = [shuffled[j] as AcceptedEvent, shuffled[i] as AcceptedEvent]
  }
  const batches: AcceptedEvent[][] = []
  for (let i = 0; i < shuffled.length;) {
    const size = 1 + rnd.int(80)
    const batch = shuffled.slice(i, i + size)
    i += size
    // An SDK retry: earlier events again; an invalid event that must not poison the batch.
    for (let k = rnd.int(4); k > 0; k -= 1) batch.push(rnd.pick(shuffled.slice(0, i)))
    if (rnd.next() < 0.3) batch.push({ ...rnd.pick(shuffled), event_id: 'not-a-uuid' })
    batches.push(batch)
    if (rnd.next() < 0.3) batches.push(batch) // consumer crashed before committing
  }
  return batches
}

/** §六 in plain TypeScript: per key, sorted times, counting ≥ 24 h after the last counted. */
function countedTimes(times: number[]): number[] {
  const counted: number[] = []
  for (const t of [...times].sort((a, b) => a - b)) {
    const last = counted[counted.length - 1]
    if (last === undefined || t - last >= DEDUP_WINDOW_MS) counted.push(t)
  }
  return counted
}

const inRange = (date: string, { from, to }: StatsRange) =>
  (from === undefined || date >= from) && (to === undefined || date <= to)

function daysOf<T>(dates: string[], range: StatsRange, zero: (date: string) => T): T[] {
  const sorted = [...dates].sort()
  const from = range.from ?? sorted[0]
  const to = range.to ?? sorted[sorted.length - 1]
  return from === undefined || to === undefined ? [] : eachDay(from, to).map(zero)
}

function referenceDelivery(events: AcceptedEvent[], id: string, target: number, range: StatsRange) {
  const mine = events.filter((e) => e.properties.delivery_id === id)
  const users = (name: string) =>
    new Set(
      mine
        .filter((e) => e.event_name === name && inRange(dayOf(e.timestamp), range))
        .map((e) => e.user_id),
    ).size
  const perDay = new Map<string, { views: number; clicks: number; completions: number }>()
  const bump = (t: number, key: 'views' | 'clicks' | 'completions') => {
    const date = dayOf(t)
    if (!inRange(date, range)) return
    const entry = perDay.get(date) ?? { views: 0, clicks: 0, completions: 0 }
    entry[key] += 1
    perDay.set(date, entry)
  }
  for (const [name, key] of [
    ['recommend_impression', 'views'],
    ['recommend_click', 'clicks'],
  ] as const) {
    const byUser = new Map<string, number[]>()
    for (const e of mine.filter((e) => e.event_name === name)) {
      byUser.set(e.user_id, [...(byUser.get(e.user_id) ?? []), e.timestamp])
    }
    for (const times of byUser.values()) for (const t of countedTimes(times)) bump(t, key)
  }
  for (const e of mine.filter((e) => e.event_name === 'recommend_complete'))
    bump(e.timestamp, 'completions')
  const [viewed, clicked, completed] = [
    'recommend_impression',
    'recommend_click',
    'recommend_complete',
  ].map(users) as [number, number, number]
  // Expands and collapses in the range; `events` holds each event_id once.
  const toggles = (action: string) =>
    mine.filter(
      (e) =>
        e.event_name === 'recommend_expand_collapse' &&
        e.properties.action === action &&
        inRange(dayOf(e.timestamp), range),
    ).length
  return {
    delivery_id: id,
    target_users: target,
    viewed_users: viewed,
    clicked_users: clicked,
    completed_users: completed,
    view_rate: rate(viewed, target),
    click_rate: rate(clicked, viewed),
    completion_rate: rate(completed, viewed),
    expands: toggles('expand'),
    collapses: toggles('collapse'),
    daily_stats: daysOf([...perDay.keys()], range, (date) => ({
      date,
      ...(perDay.get(date) ?? { views: 0, clicks: 0, completions: 0 }),
    })),
  }
}

function referenceAction(events: AcceptedEvent[], id: string, range: StatsRange) {
  const actionOf = (e: AcceptedEvent) =>
    e.properties.action_id ?? (e.event_name === 'card_click' ? e.properties.card_id : undefined)
  const mine = events.filter((e) => actionOf(e) === id && inRange(dayOf(e.timestamp), range))
  const count = (name: string, list = mine) => list.filter((e) => e.event_name === name).length
  const dates = [
    ...new Set(
      mine.filter((e) => e.event_name !== 'recommend_complete').map((e) => dayOf(e.timestamp)),
    ),
  ]
  const starts = count('action_start')
  const completions = count('action_complete')
  const users = (name: string, list = mine) =>
    new Set(list.filter((e) => e.event_name === name).map((e) => e.user_id)).size
  // The ordered funnel: per user, events in time order, matching the steps greedily.
  const steps = ['page_view', 'card_click', 'action_start', 'action_complete', 'reward_claim']
  const reached = [0, 0, 0, 0, 0]
  for (const user of new Set(mine.map((e) => e.user_id))) {
    let level = 0
    const own = mine.filter((e) => e.user_id === user).sort((a, b) => a.timestamp - b.timestamp)
    for (const e of own) if (level < steps.length && e.event_name === steps[level]) level += 1
    for (let k = 0; k < level; k++) reached[k]! += 1
  }
  return {
    action_id: id,
    page_views: count('page_view'),
    card_clicks: count('card_click'),
    starts,
    completions,
    conversion_rate: rate(completions, starts),
    reward_claims: count('reward_claim'),
    funnel: steps.map((step, k) => ({
      step,
      users: reached[k],
      events: count(step),
      conversion: k === 0 ? (reached[0]! > 0 ? 1 : 0) : rate(reached[k]!, reached[k - 1]!),
    })),
    completion_rate: rate(users('action_complete'), users('action_start')),
    daily_stats: daysOf(dates, range, (date) => {
      const that = mine.filter((e) => dayOf(e.timestamp) === date)
      return {
        date,
        views: count('page_view', that),
        card_clicks: count('card_click', that),
        starts: count('action_start', that),
        completions: count('action_complete', that),
        reward_claims: count('reward_claim', that),
        started_users: users('action_start', that),
        completed_users: users('action_complete', that),
        completion_rate: rate(users('action_complete', that), users('action_start', that)),
      }
    }),
  }
}

function referenceOverview(events: AcceptedEvent[], range: StatsRange) {
  const views = events.filter(
    (e) => e.event_name === 'page_view' && inRange(dayOf(e.timestamp), range),
  )
  const counts = (list: AcceptedEvent[]) => ({
    pv: list.length,
    uv: new Set(list.map((e) => e.user_id)).size,
  })
  return {
    ...counts(views),
    daily_stats: daysOf([...new Set(views.map((e) => dayOf(e.timestamp)))], range, (date) => ({
      date,
      ...counts(views.filter((e) => dayOf(e.timestamp) === date)),
    })),
    top_pages: [...new Set(views.map((e) => e.page))]
      .map((page) => ({ page, ...counts(views.filter((e) => e.page === page)) }))
      .sort((a, b) => b.pv - a.pv || (a.page < b.page ? -1 : 1)),
  }
}

let dir: string
let store: EventStore

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-stats-random-'))
  store = createChdbStore(dir)
  await store.migrate()
})

afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe.each([1, 2, 3])('stats over a randomised stream (seed %i)', (seed) => {
  it('equal a reference computed from the events sent, before and after merges', async () => {
    await clearEvents(store)
    // No background merge until the first check: it runs over the duplicates, as stored.
    await store.command('SYSTEM STOP MERGES events')
    const events = makeStream(seed)
    const handler = createConsumerHandler(store)
    for (const batch of makeBatches(events, seed)) await handler.handle(batch)
    const targets = DELIVERIES.map((_, i) => (seed * 17 + i * 5) % 40)
    for (const [i, id] of DELIVERIES.entries()) await setTargetUsers(store, id, targets[i] ?? 0)

    const rnd = prng(seed * 31)
    const first = START + rnd.int(4) * DAY
    const ranges: StatsRange[] = [
      {},
      { from: dayOf(first), to: dayOf(first + (2 + rnd.int(5)) * DAY) },
      { from: dayOf(START + 3 * DAY) },
      { to: dayOf(START + 2 * DAY) },
    ]
    const check = async () => {
      for (const range of ranges) {
        for (const [i, id] of DELIVERIES.entries()) {
          expect(await deliveryStats(store, id, range)).toStrictEqual(
            referenceDelivery(events, id, targets[i] ?? 0, range),
          )
        }
        for (const id of ACTIONS) {
          expect(await actionStats(store, id, range)).toStrictEqual(
            referenceAction(events, id, range),
          )
        }
        expect(await overview(store, { ...range, topPages: PAGES.length })).toStrictEqual(
          referenceOverview(events, range),
        )
      }
    }
    await check()
    const [raw] = await store.query<{ n: number }>('SELECT count() AS n FROM events')
    // The stream is not trivial: duplicates are still stored, and §六 drops impressions.
    expect(raw?.n).toBeGreaterThan(events.length)
    const impressions = events.filter((e) => e.event_name === 'recommend_impression').length
    const views = DELIVERIES.map((id) => referenceDelivery(events, id, 0, {}))
      .flatMap((stats) => stats.daily_stats)
      .reduce((sum, d) => sum + d.views, 0)
    expect(views).toBeGreaterThan(impressions / 3)
    expect(views).toBeLessThan(impressions)
    await store.command('SYSTEM START MERGES events')
    await store.command('OPTIMIZE TABLE events FINAL')
    const [merged] = await store.query<{ n: number }>('SELECT count() AS n FROM events')
    expect(merged?.n).toBe(events.length)
    await check()
  }, 30_000)
})
