import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsumerHandler } from '../consumer'
import type { StatsRange } from '../stats/queries'
import { sourcesStats } from '../stats/sourcesStats'
import { createChdbStore } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { acceptedEvent, clearEvents } from './fixtures'

/**
 * GET /api/stats/sources against a reference in plain TypeScript: page views with every mix of
 * utm fields and referring domains, replayed, from anonymous visitors some of whom log in (one
 * person across both), over ranges in UTC and in Asia/Shanghai.
 */

const HOUR = 3_600_000
const DAY = 24 * HOUR
const START = Math.floor(Date.now() / DAY) * DAY - 10 * DAY

function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ATTRIBUTIONS: Record<string, string>[] = [
  {},
  { referrer_domain: 'news.example' },
  { utm_source: 'twitter', utm_medium: 'social', utm_campaign: 'launch' },
  { utm_source: 'twitter', utm_medium: 'social', utm_campaign: 'launch', utm_term: 'x' },
  { utm_source: 'twitter', utm_campaign: 'launch' },
  { utm_source: 'newsletter', utm_medium: 'email', referrer_domain: 'mail.example' },
  { utm_medium: 'cpc', referrer_domain: 'search.example' }, // no utm_source: the referrer
  { utm_medium: 'cpc' },
]

function makeViews(seed: number): AcceptedEvent[] {
  const rnd = prng(seed)
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)] as T
  const events: AcceptedEvent[] = []
  for (let v = 0; v < 25; v += 1) {
    const anon = `anon-${seed}-${v}`
    const user = rnd() < 0.5 ? `user-${seed}-${Math.floor(rnd() * 8)}` : undefined
    const attribution = pick(ATTRIBUTIONS)
    let t = Math.round(START + rnd() * 7 * DAY)
    for (let i = 1 + Math.floor(rnd() * 5); i > 0; i -= 1) {
      const loggedIn = user !== undefined && i === 1
      if (loggedIn) {
        events.push(
          acceptedEvent('user_identify', {}, { user_id: user, anonymous_id: anon, timestamp: t }),
        )
      }
      events.push(
        acceptedEvent(
          'page_view',
          { page_name: 'p', ...attribution },
          { user_id: loggedIn ? user : anon, anonymous_id: anon, timestamp: t },
        ),
      )
      t += Math.round(rnd() * 20 * HOUR)
    }
  }
  return events
}

/** The day of `ms` in `tz`, `YYYY-MM-DD`. */
const dayIn = (ms: number, tz: string) => new Date(ms).toLocaleDateString('sv-SE', { timeZone: tz })

function reference(events: AcceptedEvent[], range: StatsRange) {
  const tz = range.tz ?? 'UTC'
  const person = new Map<string, string>()
  for (const e of [...events].sort((a, b) => a.timestamp - b.timestamp)) {
    if (e.anonymous_id && e.anonymous_id !== e.user_id && !person.has(e.anonymous_id))
      person.set(e.anonymous_id, e.user_id)
  }
  const groups = new Map<string, { ids: Set<string>; people: Set<string> }>()
  for (const e of events) {
    const day = dayIn(e.timestamp, tz)
    if (e.event_name !== 'page_view') continue
    if ((range.from && day < range.from) || (range.to && day > range.to)) continue
    const p = e.properties as Record<string, string | undefined>
    const key = p.utm_source
      ? [p.utm_source, p.utm_medium || '(none)', p.utm_campaign || '(none)']
      : p.referrer_domain
        ? [p.referrer_domain, 'referral', '(none)']
        : ['(direct)', '(none)', '(none)']
    const group = groups.get(JSON.stringify(key)) ?? { ids: new Set(), people: new Set() }
    group.ids.add(e.event_id)
    group.people.add(person.get(e.user_id) ?? e.user_id)
    groups.set(JSON.stringify(key), group)
  }
  return {
    sources: [...groups]
      .map(([key, group]) => {
        const [source, medium, campaign] = JSON.parse(key) as [string, string, string]
        return { source, medium, campaign, pv: group.ids.size, uv: group.people.size }
      })
      .sort(
        (a, b) =>
          b.pv - a.pv ||
          (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) ||
          (a.medium < b.medium ? -1 : a.medium > b.medium ? 1 : 0) ||
          (a.campaign < b.campaign ? -1 : a.campaign > b.campaign ? 1 : 0),
      ),
  }
}

let dir: string
let store: EventStore

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-sources-'))
  store = createChdbStore(dir)
  await store.migrate()
})

afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe.each([1, 2])('sources over generated visits (seed %i)', (seed) => {
  it('equal the reference in UTC and Asia/Shanghai, replays included', async () => {
    await clearEvents(store)
    const events = makeViews(seed)
    const handler = createConsumerHandler(store, {
      onInvalid: (event) => {
        throw new Error(`invalid test event ${JSON.stringify(event)}`)
      },
    })
    await handler.handle(events)
    await handler.handle(events.slice(0, 20)) // a replay
    const day = (n: number) => new Date(START + n * DAY).toISOString().slice(0, 10)
    const ranges: StatsRange[] = [
      {},
      { from: day(2), to: day(4) },
      { from: day(2), to: day(4), tz: 'Asia/Shanghai' },
      { to: day(3), tz: 'Asia/Shanghai' },
    ]
    for (const range of ranges) {
      const answer = await sourcesStats(store, range)
      expect(answer, JSON.stringify(range)).toStrictEqual(reference(events, range))
    }
    // The data is not trivial: every kind of source.
    const all = await sourcesStats(store)
    expect(new Set(all.sources.map((s) => s.medium))).toEqual(
      new Set(['social', '(none)', 'referral', 'email']),
    )
    expect(all.sources.some((s) => s.source === '(direct)')).toBe(true)
  }, 60_000)
})
