import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsumerHandler } from '../consumer'
import { actionList } from '../stats/actionList'
import { deliveryList } from '../stats/deliveryList'
import {
  DEDUP_WINDOW_MS,
  actionStats,
  deliveryStats,
  overview,
  rate,
  type StatsRange,
} from '../stats/queries'
import { NO_FILTERS } from '../stats/statsFilters'
import { eachDay } from '../stats/statsRange'
import { createChdbStore } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { acceptedEvent, clearEvents } from './fixtures'

/**
 * People, not ids (issue 14): the delivery and Action stats (the Action's ordered funnel
 * included) and the deliveries and Actions lists against a reference in plain TypeScript over
 * generated journeys — anonymous only, login mid-session, two devices of one user, a shared
 * device with two users after reset() (a new anonymous id), a shared device whose second user
 * logs in without reset(), and old clients without anonymous_id — stored in shuffled batches
 * with replays, checked while half the journeys (and so some links) are still missing, after
 * all arrived, and after merges.
 */

const HOUR = 3_600_000
const DAY = 24 * HOUR
const START = Math.floor(Date.now() / DAY) * DAY - 20 * DAY
const DELIVERIES = ['d0', 'd1']
const PAGES = ['/onchain', '/rewards', '/profile']
const ACTIONS = ['a0', 'a1']
/** The Action funnel's steps (§三), in order. */
const STEPS = ['page_view', 'card_click', 'action_start', 'action_complete', 'reward_claim']

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

/** The properties the plan requires of each recommendation event. */
const props = (name: string, delivery_id: string) =>
  name === 'page_view'
    ? { page_name: 'p' }
    : name === 'recommend_complete'
      ? { delivery_id, action_id: 'a0' }
      : { delivery_id, content_type: 'card' }

/** The properties of an Action funnel event; a card_click names its Action by card_id alone or also by action_id. */
const actionProps = (name: string, action_id: string, withId: boolean) =>
  name === 'page_view'
    ? { page_name: 'p', action_id }
    : name === 'card_click'
      ? withId
        ? { card_id: action_id, action_id }
        : { card_id: action_id }
      : name === 'reward_claim'
        ? { reward_type: 'points', action_id }
        : { action_id }

/** One device's life: an anonymous part, and the users who log in on it, in order. */
function makeJourneys(seed: number): AcceptedEvent[] {
  const rnd = prng(seed)
  const events: AcceptedEvent[] = []
  let ids = 0
  const newId = (prefix: string) => `${prefix}-${seed}-${(ids += 1)}`
  const gap = () => rnd.pick([0, HOUR, 23 * HOUR, DAY - 1, DAY, 25 * HOUR, rnd.next() * DAY])
  /** A stretch of recommendation events by `user_id` on the device `anonymous_id`. */
  const stretch = (t: number, user_id: string, anonymous_id: string | undefined): number => {
    for (let i = 1 + rnd.int(6); i > 0; i -= 1) {
      const name = rnd.pick([
        'recommend_impression',
        'recommend_click',
        'recommend_complete',
        'page_view',
        'page_view',
      ])
      const delivery_id = rnd.pick(DELIVERIES)
      const overrides: Partial<AcceptedEvent> = {
        user_id,
        timestamp: Math.round(t),
        page: rnd.pick(PAGES),
      }
      if (anonymous_id !== undefined) overrides.anonymous_id = anonymous_id
      events.push(acceptedEvent(name, props(name, delivery_id), overrides))
      t += gap()
    }
    return t
  }
  /**
   * Up to 3 funnel steps of `action` by `user_id` from step `from`, mostly the next one, now and
   * then one out of order; at least a minute apart, so that the order in time is never a tie.
   * Returns the next time and the next step.
   */
  const act = (
    t: number,
    user_id: string,
    anonymous_id: string | undefined,
    action: string,
    from: number,
  ): [number, number] => {
    let step = from
    for (let i = rnd.int(4); i > 0; i -= 1) {
      const k = rnd.next() < 0.8 ? Math.min(step, STEPS.length - 1) : rnd.int(STEPS.length)
      if (k === step) step += 1
      const name = STEPS[k]!
      const overrides: Partial<AcceptedEvent> = { user_id, timestamp: Math.round(t) }
      if (anonymous_id !== undefined) overrides.anonymous_id = anonymous_id
      events.push(acceptedEvent(name, actionProps(name, action, rnd.next() < 0.5), overrides))
      t += 60_000 + rnd.pick([0, HOUR, DAY + HOUR, rnd.next() * DAY])
    }
    return [t, step]
  }
  const login = (t: number, user_id: string, anonymous_id: string) => {
    events.push(acceptedEvent('user_identify', {}, { user_id, anonymous_id, timestamp: t }))
    return t + rnd.int(HOUR)
  }
  /** A device used anonymously, then by each of `users` in turn (a reset before each but the first when `resets`). */
  const device = (users: string[], resets: boolean) => {
    let anon = newId('anon')
    let t = START + rnd.next() * 3 * DAY
    const action = rnd.pick(ACTIONS)
    let step = 0
    t = stretch(t, anon, anon)
    ;[t, step] = act(t, anon, anon, action, step)
    for (const [i, user] of users.entries()) {
      if (i > 0 && resets) {
        anon = newId('anon')
        t = stretch(t, anon, anon)
        ;[t, step] = act(t, anon, anon, action, 0)
      }
      t = login(Math.round(t), user, anon)
      t = stretch(t, user, anon)
      ;[t, step] = act(t, user, anon, action, step)
    }
  }
  for (let n = 0; n < 30; n += 1) {
    const kind = rnd.int(6)
    if (kind === 0)
      device([], false) // anonymous only
    else if (kind === 1)
      device([newId('user')], false) // login mid-session
    else if (kind === 2) {
      const user = newId('user') // two devices of one user
      device([user], false)
      device([user], false)
    } else if (kind === 3)
      device([newId('user'), newId('user')], true) // shared, reset()
    else if (kind === 4)
      device([newId('user'), newId('user')], false) // shared, no reset()
    else {
      const old = newId('old') // an old client
      act(
        stretch(START + rnd.next() * 3 * DAY, old, undefined),
        old,
        undefined,
        rnd.pick(ACTIONS),
        0,
      )
    }
  }
  return events
}

/** The person of each event, in plain TypeScript: the first link of its user_id, else itself. */
function persons(events: AcceptedEvent[]): (event: AcceptedEvent) => string {
  const first = new Map<string, [number, string]>()
  for (const e of events) {
    const anon = e.anonymous_id
    if (!anon || anon === e.user_id) continue
    const link = first.get(anon)
    const mine: [number, string] = [e.timestamp, e.user_id]
    if (!link || mine[0] < link[0] || (mine[0] === link[0] && mine[1] < link[1]))
      first.set(anon, mine)
  }
  return (e) => first.get(e.user_id)?.[1] ?? e.user_id
}

const inRange = (date: string, { from, to }: StatsRange) =>
  (from === undefined || date >= from) && (to === undefined || date <= to)

/** deliveryStats of `events` (each event_id once), users being people. */
function referenceDelivery(stored: AcceptedEvent[], id: string, range: StatsRange) {
  const events = [...new Map(stored.map((e) => [e.event_id, e])).values()]
  const personOf = persons(events)
  const mine = events.filter((e) => e.properties.delivery_id === id)
  const people = (name: string) =>
    new Set(
      mine.filter((e) => e.event_name === name && inRange(dayOf(e.timestamp), range)).map(personOf),
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
    const byPerson = new Map<string, number[]>()
    for (const e of mine.filter((e) => e.event_name === name)) {
      byPerson.set(personOf(e), [...(byPerson.get(personOf(e)) ?? []), e.timestamp])
    }
    for (const times of byPerson.values()) {
      let last: number | undefined
      for (const t of times.sort((a, b) => a - b)) {
        if (last === undefined || t - last >= DEDUP_WINDOW_MS) bump((last = t), key)
      }
    }
  }
  for (const e of mine.filter((e) => e.event_name === 'recommend_complete'))
    bump(e.timestamp, 'completions')
  const [viewed, clicked, completed] = [
    'recommend_impression',
    'recommend_click',
    'recommend_complete',
  ].map(people) as [number, number, number]
  const dates = [...perDay.keys()].sort()
  const from = range.from ?? dates[0]
  const to = range.to ?? dates[dates.length - 1]
  return {
    delivery_id: id,
    target_users: 0,
    viewed_users: viewed,
    clicked_users: clicked,
    completed_users: completed,
    view_rate: 0,
    click_rate: rate(clicked, viewed),
    completion_rate: rate(completed, viewed),
    // Expand/collapse events are counted per event, whoever the person (none in these streams).
    ...Object.fromEntries(
      (['expand', 'collapse'] as const).map((action) => [
        `${action}s`,
        mine.filter(
          (e) =>
            e.event_name === 'recommend_expand_collapse' &&
            e.properties.action === action &&
            inRange(dayOf(e.timestamp), range),
        ).length,
      ]),
    ),
    daily_stats:
      from === undefined || to === undefined
        ? []
        : eachDay(from, to).map((date) => ({
            date,
            ...(perDay.get(date) ?? { views: 0, clicks: 0, completions: 0 }),
          })),
  }
}

/** The Action an event counts for, as the events table's action_id column reads it. */
const actionOf = (e: AcceptedEvent) =>
  STEPS.includes(e.event_name)
    ? String(e.properties.action_id ?? (e.event_name === 'card_click' ? e.properties.card_id : ''))
    : ''

/** Every day from `from` (or the first of `dates`) to `to` (or the last), with `make`. */
function daysOf<T>(dates: string[], range: StatsRange, make: (date: string) => T): T[] {
  const sorted = [...dates].sort()
  const from = range.from ?? sorted[0]
  const to = range.to ?? sorted[sorted.length - 1]
  return from === undefined || to === undefined ? [] : eachDay(from, to).map(make)
}

/**
 * actionStats of `events` (each event_id once): the ordered funnel per person, events in time
 * order matched to the steps greedily; users being people, or ids when `byIds` (what the
 * answer was before people, to show the journeys tell the two apart).
 */
function referenceAction(stored: AcceptedEvent[], id: string, range: StatsRange, byIds = false) {
  const events = [...new Map(stored.map((e) => [e.event_id, e])).values()]
  const personOf = byIds ? (e: AcceptedEvent) => e.user_id : persons(events)
  const mine = events.filter((e) => actionOf(e) === id && inRange(dayOf(e.timestamp), range))
  const count = (name: string, list = mine) => list.filter((e) => e.event_name === name).length
  const people = (name: string, list = mine) =>
    new Set(list.filter((e) => e.event_name === name).map(personOf)).size
  const reached = STEPS.map(() => 0)
  for (const person of new Set(mine.map(personOf))) {
    let level = 0
    const own = mine.filter((e) => personOf(e) === person).sort((a, b) => a.timestamp - b.timestamp)
    for (const e of own) if (level < STEPS.length && e.event_name === STEPS[level]) level += 1
    for (let k = 0; k < level; k++) reached[k]! += 1
  }
  const starts = count('action_start')
  const completions = count('action_complete')
  return {
    action_id: id,
    page_views: count('page_view'),
    card_clicks: count('card_click'),
    starts,
    completions,
    conversion_rate: rate(completions, starts),
    reward_claims: count('reward_claim'),
    funnel: STEPS.map((step, k) => ({
      step,
      users: reached[k]!,
      events: count(step),
      conversion: k === 0 ? (reached[0]! > 0 ? 1 : 0) : rate(reached[k]!, reached[k - 1]!),
    })),
    completion_rate: rate(people('action_complete'), people('action_start')),
    daily_stats: daysOf(
      mine.map((e) => dayOf(e.timestamp)),
      range,
      (date) => {
        const that = mine.filter((e) => dayOf(e.timestamp) === date)
        return {
          date,
          views: count('page_view', that),
          card_clicks: count('card_click', that),
          starts: count('action_start', that),
          completions: count('action_complete', that),
          reward_claims: count('reward_claim', that),
          started_users: people('action_start', that),
          completed_users: people('action_complete', that),
          completion_rate: rate(people('action_complete', that), people('action_start', that)),
        }
      },
    ),
  }
}

/** actionList of `events` (every Action with a funnel event in the range), users being people. */
function referenceActionList(stored: AcceptedEvent[], range: StatsRange) {
  const events = [...new Map(stored.map((e) => [e.event_id, e])).values()]
  const personOf = persons(events)
  const mine = events.filter((e) => actionOf(e) !== '' && inRange(dayOf(e.timestamp), range))
  return [...new Set(mine.map(actionOf))]
    .map((action_id) => {
      const own = mine.filter((e) => actionOf(e) === action_id)
      const people = (name: string) =>
        new Set(own.filter((e) => e.event_name === name).map(personOf)).size
      const [started, completed] = [people('action_start'), people('action_complete')]
      return {
        action_id,
        page_views: own.filter((e) => e.event_name === 'page_view').length,
        started_users: started,
        completed_users: completed,
        completion_rate: rate(completed, started),
      }
    })
    .sort((a, b) => b.started_users - a.started_users || (a.action_id < b.action_id ? -1 : 1))
}

/** deliveryList of `events` (no targets set), users being people. */
function referenceDeliveryList(stored: AcceptedEvent[], range: StatsRange) {
  const events = [...new Map(stored.map((e) => [e.event_id, e])).values()]
  const personOf = persons(events)
  const mine = events.filter(
    (e) =>
      e.event_name.startsWith('recommend_') &&
      e.properties.delivery_id &&
      inRange(dayOf(e.timestamp), range),
  )
  return [...new Set(mine.map((e) => String(e.properties.delivery_id)))].sort().map((id) => {
    const people = (name: string) =>
      new Set(
        mine.filter((e) => e.properties.delivery_id === id && e.event_name === name).map(personOf),
      ).size
    return {
      delivery_id: id,
      target_users: 0,
      viewed_users: people('recommend_impression'),
      clicked_users: people('recommend_click'),
      completed_users: people('recommend_complete'),
    }
  })
}

/** overview of `events` (each event_id once, UTC days), users being people. */
function referenceOverview(stored: AcceptedEvent[], range: StatsRange) {
  const events = [...new Map(stored.map((e) => [e.event_id, e])).values()]
  const personOf = persons(events)
  const views = events.filter(
    (e) => e.event_name === 'page_view' && inRange(dayOf(e.timestamp), range),
  )
  const counts = (list: AcceptedEvent[]) => ({
    pv: list.length,
    uv: new Set(list.map(personOf)).size,
  })
  const dates = [...new Set(views.map((e) => dayOf(e.timestamp)))].sort()
  const from = range.from ?? dates[0]
  const to = range.to ?? dates[dates.length - 1]
  return {
    ...counts(views),
    daily_stats:
      from === undefined || to === undefined
        ? []
        : eachDay(from, to).map((date) => ({
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
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-identity-'))
  store = createChdbStore(dir)
  await store.migrate()
})

afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a person counted once across the login boundary', () => {
  it('anonymous impression, login, click: 1 viewer, 1 clicker, click_rate 1', async () => {
    await clearEvents(store)
    const t = START + DAY
    const handler = createConsumerHandler(store)
    const anon = 'anon-wallet'
    // The link arrives after the anonymous impression was stored, as it does in real life.
    await handler.handle([
      acceptedEvent('recommend_impression', props('recommend_impression', 'dx'), {
        user_id: anon,
        anonymous_id: anon,
        timestamp: t,
      }),
    ])
    const before = await deliveryStats(store, 'dx')
    expect([before.viewed_users, before.clicked_users]).toEqual([1, 0])
    await handler.handle([
      acceptedEvent(
        'user_identify',
        {},
        { user_id: 'user_42', anonymous_id: anon, timestamp: t + 60_000 },
      ),
      // An impression after login within 24 h: the same person, counted once (§六).
      acceptedEvent('recommend_impression', props('recommend_impression', 'dx'), {
        user_id: 'user_42',
        anonymous_id: anon,
        timestamp: t + 2 * HOUR,
      }),
      acceptedEvent('recommend_click', props('recommend_click', 'dx'), {
        user_id: 'user_42',
        anonymous_id: anon,
        timestamp: t + 2 * HOUR + 5_000,
      }),
    ])
    const stats = await deliveryStats(store, 'dx')
    expect(stats.viewed_users).toBe(1)
    expect(stats.clicked_users).toBe(1)
    expect(stats.click_rate).toBe(1)
    expect(stats.daily_stats.reduce((sum, d) => sum + d.views, 0)).toBe(1)
  })

  it('a late link changes a past day already answered from a snapshot and the answer cache', async () => {
    await clearEvents(store)
    const handler = createConsumerHandler(store)
    const yesterday = Math.floor(Date.now() / DAY) * DAY - DAY
    const view = (user_id: string, anonymous_id: string, timestamp: number) =>
      acceptedEvent('page_view', props('page_view', ''), { user_id, anonymous_id, timestamp })
    await handler.handle([
      view('anon-late', 'anon-late', yesterday + 1_000),
      view('user_late', 'anon-other', yesterday + 2_000),
    ])
    const range = { from: dayOf(yesterday), to: dayOf(yesterday) }
    expect((await overview(store, range)).uv).toBe(2)
    expect((await overview(store, range)).uv).toBe(2) // now from the answer cache
    // The link alone, today, and no page view: the rollup's counters of yesterday do not move.
    await handler.handle([
      acceptedEvent('user_identify', {}, { user_id: 'user_late', anonymous_id: 'anon-late' }),
    ])
    const after = await overview(store, range)
    expect(after.uv).toBe(1)
    expect(after.daily_stats).toEqual([{ date: dayOf(yesterday), pv: 2, uv: 1 }])
    expect(after.top_pages).toEqual([{ page: '/onchain', pv: 2, uv: 1 }])
  })

  describe.each([1, 2, 3])('generated journeys (seed %i)', (seed) => {
    it('equal the reference with links missing, complete, replayed and merged', async () => {
      await clearEvents(store)
      // A new object over the same store, so the overview's in-process caches (keyed by the
      // store) start empty: TRUNCATE resets the per-day insert counters they trust, and the
      // previous seed's days could come back with the same counters (only a test truncates).
      const view: EventStore = { ...store }
      const events = makeJourneys(seed)
      // Every kind of journey is there, and people differ from ids.
      const personOf = persons(events)
      expect(events.some((e) => personOf(e) !== e.user_id)).toBe(true)
      expect(events.some((e) => e.anonymous_id === undefined)).toBe(true)
      const rnd = prng(seed * 7)
      const shuffled = [...events].sort(() => rnd.next() - 0.5)
      const half = Math.floor(shuffled.length / 2)
      const handler = createConsumerHandler(view, {
        onInvalid: (event) => {
          throw new Error(`the generator made an invalid event: ${JSON.stringify(event)}`)
        },
      })
      const stored: AcceptedEvent[] = []
      const ranges: StatsRange[] = [{}, { from: dayOf(START + DAY), to: dayOf(START + 3 * DAY) }]
      const check = async () => {
        for (const range of ranges) {
          for (const id of DELIVERIES) {
            expect(await deliveryStats(view, id, range)).toStrictEqual(
              referenceDelivery(stored, id, range),
            )
          }
          for (const id of ACTIONS) {
            expect(await actionStats(view, id, range)).toStrictEqual(
              referenceAction(stored, id, range),
            )
          }
          expect(await actionList(view, range, NO_FILTERS, 100)).toStrictEqual(
            referenceActionList(stored, range),
          )
          expect(await deliveryList(view, range, NO_FILTERS)).toStrictEqual(
            referenceDeliveryList(stored, range),
          )
          // UTC: the rollup, snapshots and the people correction; another zone: from events.
          const expected = referenceOverview(stored, range)
          expect(await overview(view, { ...range, topPages: PAGES.length })).toStrictEqual(expected)
          const zoned = await overview(view, { ...range, tz: 'Etc/GMT-0', topPages: PAGES.length })
          expect(zoned).toStrictEqual(expected)
        }
      }
      for (const part of [shuffled.slice(0, half), shuffled.slice(half)]) {
        for (let i = 0; i < part.length; i += 7) {
          const batch = part.slice(i, i + 7)
          await handler.handle(batch)
          stored.push(...batch)
          if (rnd.next() < 0.3) await handler.handle(batch) // a replay
        }
        await check()
      }
      // Counting by people really differs from counting by ids here.
      const byIds = DELIVERIES.map(
        (id) =>
          new Set(
            events
              .filter(
                (e) => e.event_name === 'recommend_impression' && e.properties.delivery_id === id,
              )
              .map((e) => e.user_id),
          ).size,
      )
      const byPeople = DELIVERIES.map((id) => referenceDelivery(events, id, {}).viewed_users)
      expect(byPeople.reduce((a, b) => a + b)).toBeLessThan(byIds.reduce((a, b) => a + b))
      const pageViewers = new Set(
        events.filter((e) => e.event_name === 'page_view').map((e) => e.user_id),
      ).size
      expect(referenceOverview(events, {}).uv).toBeLessThan(pageViewers)
      // The Action funnel by people reaches further than by ids (steps before and after login).
      const reachedBy = (byIds: boolean) =>
        ACTIONS.flatMap((id) =>
          referenceAction(events, id, {}, byIds).funnel.map((step) => step.users),
        )
      const [byPerson, byId] = [reachedBy(false), reachedBy(true)]
      expect(byPerson.some((users, k) => users > byId[k]!)).toBe(true)
      await view.command('OPTIMIZE TABLE events FINAL')
      await view.command('OPTIMIZE TABLE identity_links FINAL')
      await check()
    }, 60_000)
  })
})
