import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ValidationError } from '@trackpoint/schema'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createConsumerHandler } from '../consumer'
import { actionStats, deliveryStats, overview } from '../stats/queries'
import { createChdbStore } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { acceptedEvent, clearEvents } from './fixtures'

const HOUR = 3_600_000
// Recent days: the table's TTL drops events older than three months.
const T0 =
  Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) -
  10 * 24 * HOUR

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

const event = (
  event_name: string,
  timestamp: number,
  properties: Record<string, unknown>,
  user_id = 'u1',
): AcceptedEvent => acceptedEvent(event_name, properties, { timestamp, user_id })

const impression = (timestamp: number, delivery_id: string, user_id = 'u1') =>
  event('recommend_impression', timestamp, { delivery_id, content_type: 'card' }, user_id)
const click = (timestamp: number, delivery_id: string, user_id = 'u1') =>
  event('recommend_click', timestamp, { delivery_id, content_type: 'card' }, user_id)

let dir: string
let store: EventStore

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-consumer-'))
  store = createChdbStore(dir)
  await store.migrate()
})

afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

beforeEach(async () => {
  await clearEvents(store)
})

describe('createConsumerHandler', () => {
  it('sends invalid events to onInvalid with their reasons and stores the valid ones of the batch', async () => {
    const onInvalid = vi.fn<(event: unknown, errors: ValidationError[]) => void>()
    const good = event('page_view', T0, { page_name: 'landing' })
    const noName = { ...event('page_view', T0, {}), properties: {} }
    const seconds = event('card_click', Math.floor(T0 / 1000), { card_id: 'c1' })
    const secret = event('card_click', T0, { card_id: 'c1', password: 'hunter2' })
    await createConsumerHandler(store, { onInvalid }).handle([noName, good, seconds, secret])

    expect(onInvalid).toHaveBeenCalledTimes(3)
    const reasons = onInvalid.mock.calls.map(([bad, errors]) => [
      (bad as AcceptedEvent).event_id,
      errors.map((error) => `${error.field}:${error.code}`),
    ])
    expect(reasons).toEqual([
      [noName.event_id, ['properties.page_name:missing_field']],
      [seconds.event_id, ['timestamp:invalid_value']],
      [secret.event_id, ['properties.password:forbidden_key']],
    ])
    const rows = await store.query<{ event_id: string }>(
      'SELECT toString(event_id) AS event_id FROM events',
    )
    expect(rows).toEqual([{ event_id: good.event_id }])
  })

  it('waits for onInvalid before the batch counts as handled, and fails the batch when it fails', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const handler = createConsumerHandler(store, { onInvalid: () => gate })
    let handled = false
    const done = handler.handle([{ ...event('page_view', T0, {}), properties: {} }]).then(() => {
      handled = true
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(handled).toBe(false)
    release()
    await done
    expect(handled).toBe(true)

    const failing = createConsumerHandler(store, {
      onInvalid: () => Promise.reject(new Error('dead-letter topic down')),
    })
    await expect(
      failing.handle([{ ...event('page_view', T0, {}), properties: {} }]),
    ).rejects.toThrow('dead-letter topic down')
  })

  it('rejects the batch when the store fails, so the bus does not commit it', async () => {
    const broken: EventStore = { ...store, insert: () => Promise.reject(new Error('disk full')) }
    await expect(
      createConsumerHandler(broken).handle([event('page_view', T0, { page_name: 'p' })]),
    ).rejects.toThrow('disk full')
  })

  it('counts impressions 23 h apart once and 25 h apart twice (§六)', async () => {
    await createConsumerHandler(store).handle([
      impression(T0, 'd23'),
      impression(T0 + 23 * HOUR, 'd23'),
      impression(T0, 'd25'),
      impression(T0 + 25 * HOUR, 'd25'),
      click(T0 + HOUR, 'd23'),
      click(T0 + 24 * HOUR, 'd23'),
    ])
    const within = await deliveryStats(store, 'd23')
    // The click 24 h after midnight is 23 h after the counted one, so it does not count either.
    expect(within.daily_stats).toEqual([{ date: day(T0), views: 1, clicks: 1, completions: 0 }])
    expect(within.viewed_users).toBe(1)
    const apart = await deliveryStats(store, 'd25')
    expect(apart.daily_stats.map((d) => d.views)).toEqual([1, 1])
  })

  it('measures 24 h from the last counted impression, and keeps users and deliveries apart', async () => {
    // 0 h counts; 23 h (same day) is within 24 h of it; 46 h (next day) is 46 h after the last
    // counted one, so it counts although it is only 23 h after the previous impression.
    await createConsumerHandler(store).handle([
      impression(T0, 'chain'),
      impression(T0 + 23 * HOUR, 'chain'),
      impression(T0 + 46 * HOUR, 'chain'),
      impression(T0 + HOUR, 'chain', 'u2'),
      impression(T0 + 2 * HOUR, 'other'),
    ])
    const chain = await deliveryStats(store, 'chain')
    expect(chain.daily_stats.map((d) => d.views)).toEqual([2, 1])
    expect(chain.viewed_users).toBe(2)
    expect((await deliveryStats(store, 'other')).daily_stats.map((d) => d.views)).toEqual([1])
  })

  it('counts a user who sends an impression every minute for days once a day', async () => {
    // 20 000 impressions over ~13.9 days: one counted per 24 h from the first, 14 in all. The
    // stats jump from counted event to counted event, so such a user costs days, not events.
    const flood = Array.from({ length: 20_000 }, (_, i) => impression(T0 + i * 60_000, 'flood'))
    await createConsumerHandler(store).handle(flood)
    const stats = await deliveryStats(store, 'flood')
    expect(stats.daily_stats.map((d) => d.views)).toEqual(Array(14).fill(1))
    expect(stats.viewed_users).toBe(1)
  })

  it('applies §六 across batches that arrive out of order', async () => {
    const handler = createConsumerHandler(store)
    await handler.handle([impression(T0 + 25 * HOUR, 'late')])
    await handler.handle([impression(T0 + 23 * HOUR, 'late')])
    await handler.handle([impression(T0, 'late')])
    // Sorted: 0 h counts, 23 h does not, 25 h does — whatever the arrival order.
    const stats = await deliveryStats(store, 'late')
    expect(stats.daily_stats.map((d) => d.views)).toEqual([1, 1])
  })

  it('changes no number when a batch is replayed after a crash before the commit', async () => {
    const batch = [
      impression(T0, 'r1'),
      impression(T0 + 3 * HOUR, 'r1'),
      impression(T0 + 30 * HOUR, 'r1', 'u2'),
      click(T0 + 4 * HOUR, 'r1'),
      event('recommend_complete', T0 + 5 * HOUR, { delivery_id: 'r1', action_id: 'a1' }),
      event('page_view', T0, { page_name: 'landing', action_id: 'a1' }),
      event('card_click', T0, { card_id: 'a1' }),
      event('action_start', T0 + HOUR, { action_id: 'a1' }),
      event('action_complete', T0 + 2 * HOUR, { action_id: 'a1' }),
    ]
    const handler = createConsumerHandler(store)
    const snapshot = async () =>
      JSON.stringify([
        await deliveryStats(store, 'r1'),
        await actionStats(store, 'a1'),
        await overview(store),
      ])
    await handler.handle(batch)
    const before = await snapshot()
    // The consumer inserted, then died before committing: the bus hands the batch out again,
    // possibly regrouped with later events and with duplicates inside one batch.
    await handler.handle(batch)
    await handler.handle([...batch.slice(3), ...batch.slice(0, 5)])
    expect(await snapshot()).toBe(before)
    await store.command('OPTIMIZE TABLE events FINAL')
    expect(await snapshot()).toBe(before)
    const [stored] = await store.query<{ n: number }>('SELECT count() AS n FROM events')
    expect(stored?.n).toBe(batch.length)
    expect(JSON.parse(before)[0]).toMatchObject({
      viewed_users: 2,
      clicked_users: 1,
      completed_users: 1,
    })
  })
})
