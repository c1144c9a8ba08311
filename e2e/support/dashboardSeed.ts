// The known events of the dashboard spec and the numbers they must produce. Every expected
// number below is derived by hand from the events listed here (see the comments), not read
// from the server.
import { randomUUID } from 'node:crypto'
import { computeSign } from '@trackpoint/core'

/** The operator's time zone in the spec (the browser context's and the stats API's `tz`). */
export const SEED_TZ = 'Asia/Shanghai'

interface SeedEvent {
  event_id: string
  event_name: string
  user_id: string
  timestamp: number
  platform: 'web' | 'ios'
  page: string
  session_id: string
  properties: Record<string, unknown>
}

/** Midnight of today in `timeZone`, as a Unix ms time (zones without DST in the spec). */
export function startOfToday(timeZone: string, now = Date.now()): number {
  const day = dayIn(timeZone, now)
  const offset = zoneOffsetMs(timeZone, now)
  return Date.parse(`${day}T00:00:00Z`) - offset
}

/** `YYYY-MM-DD` of `time` in `timeZone`. */
export function dayIn(timeZone: string, time: number): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(time)
}

function zoneOffsetMs(timeZone: string, time: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(time)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const wall = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  )
  return wall - Math.floor(time / 1000) * 1000
}

/**
 * The seed: yesterday's and today's events (days of {@link SEED_TZ}), each user's in the order
 * listed, so that sessions and funnels are ordered in time.
 */
export function seedEvents(now = Date.now()): SeedEvent[] {
  const today = startOfToday(SEED_TZ, now)
  const yesterday = today - 6 * 3600_000
  const events: SeedEvent[] = []
  const add = (
    day: 'y' | 't',
    user: string,
    session: string,
    event_name: string,
    page: string,
    properties: Record<string, unknown> = {},
    platform: 'web' | 'ios' = 'web',
  ) =>
    events.push({
      event_id: randomUUID(),
      event_name,
      user_id: user,
      timestamp: day === 'y' ? yesterday : today, // made increasing below
      platform,
      page,
      session_id: session,
      properties,
    })
  const view = (day: 'y' | 't', user: string, session: string, page: string, platform?: 'ios') =>
    add(day, user, session, 'page_view', page, { page_name: page.slice(1) }, platform)

  // Page views, yesterday: pv 4, uv 3 (alice, bob, carol).
  view('y', 'user-alice', 'y-alice', '/home')
  view('y', 'user-alice', 'y-alice', '/onchain')
  view('y', 'user-bob', 'y-bob', '/home')
  view('y', 'user-carol', 'y-carol', '/home', 'ios')
  // Today: alice /home → /onchain → /rewards, dave /home → /onchain, erin (ios) /home → /rewards.
  view('t', 'user-alice', 't-alice', '/home')
  view('t', 'user-alice', 't-alice', '/onchain')
  view('t', 'user-alice', 't-alice', '/rewards')
  view('t', 'user-dave', 't-dave', '/home')
  view('t', 'user-dave', 't-dave', '/onchain')
  view('t', 'user-erin', 't-erin', '/home', 'ios')
  view('t', 'user-erin', 't-erin', '/rewards', 'ios')

  // Delivery dlv_alpha: impressions alice, bob (yesterday), carol, dave (today) → viewed 4;
  // clicks alice (yesterday), bob (today) → clicked 2; completion alice (today) → completed 1.
  const reco = (day: 'y' | 't', user: string, name: string, props: Record<string, unknown>) =>
    add(day, user, `r-${user}`, name, '/onchain', { content_type: 'action', ...props })
  reco('y', 'user-alice', 'recommend_impression', { delivery_id: 'dlv_alpha' })
  reco('y', 'user-bob', 'recommend_impression', { delivery_id: 'dlv_alpha' })
  reco('y', 'user-alice', 'recommend_click', { delivery_id: 'dlv_alpha' })
  reco('t', 'user-carol', 'recommend_impression', { delivery_id: 'dlv_alpha' })
  reco('t', 'user-dave', 'recommend_impression', { delivery_id: 'dlv_alpha' })
  reco('t', 'user-bob', 'recommend_click', { delivery_id: 'dlv_alpha' })
  reco('t', 'user-alice', 'recommend_complete', { delivery_id: 'dlv_alpha', action_id: 'act_swap' })
  // Expands and collapses of dlv_alpha: expands by carol (yesterday), alice and dave (today)
  // → 3; a collapse by dave (today) → 1. dlv_beta: erin's collapse → expands 0, collapses 1.
  const toggle = (day: 'y' | 't', user: string, delivery_id: string, action: string) =>
    add(day, user, `r-${user}`, 'recommend_expand_collapse', '/onchain', { delivery_id, action })
  toggle('y', 'user-carol', 'dlv_alpha', 'expand')
  toggle('t', 'user-alice', 'dlv_alpha', 'expand')
  toggle('t', 'user-dave', 'dlv_alpha', 'expand')
  toggle('t', 'user-dave', 'dlv_alpha', 'collapse')
  toggle('t', 'user-erin', 'dlv_beta', 'collapse')
  // Delivery dlv_beta (the partner's): erin's impression → viewed 1.
  reco('t', 'user-erin', 'recommend_impression', { delivery_id: 'dlv_beta' })

  // Action act_swap, funnel today: alice all five steps, bob to action_start, dave to
  // card_click, frank only the page view → users 4, 3, 2, 1, 1.
  const act = (user: string, steps: number) => {
    const s = `a-${user}`
    const names = ['page_view', 'card_click', 'action_start', 'action_complete', 'reward_claim']
    const props = [
      { page_name: 'action', action_id: 'act_swap' },
      { card_id: 'act_swap' },
      { action_id: 'act_swap' },
      { action_id: 'act_swap' },
      { reward_type: 'points', action_id: 'act_swap' },
    ]
    for (let i = 0; i < steps; i++) add('t', user, s, names[i]!, '/action/act_swap', props[i])
  }
  act('user-alice', 5)
  act('user-bob', 3)
  act('user-dave', 2)
  act('user-frank', 1)

  // Bulk: 1,200 page views of /bulk by gina today, one session (a number with a separator).
  for (let i = 0; i < 1200; i++) view('t', 'user-gina', 't-gina', '/bulk')

  // Increasing times: yesterday's 1 s apart from 18:00, today's spread over the day so far.
  const elapsed = Math.max(1, now - today - 5_000)
  let y = 0
  let t = 0
  const todayCount = events.filter((e) => e.timestamp === today).length
  for (const event of events) {
    if (event.timestamp === yesterday) event.timestamp = yesterday + 1000 * y++
    else event.timestamp = today + Math.floor((elapsed * t++) / todayCount)
  }
  return events
}

/** The users of the seed: none of these may appear in the partner's view. */
export const SEED_USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina'].map(
  (name) => `user-${name}`,
)

/**
 * The numbers the seed gives for the last 7 days (yesterday and today hold every event):
 * page views 4 yesterday + (7 + 4 action pages + 1,200 bulk) today = 1,215; users alice, bob,
 * carol, dave, erin, frank, gina = 7.
 */
export const EXPECTED = {
  pv: 1215,
  uv: 7,
  /** Yesterday: 4 views of alice ×2, bob, carol; today: 1,211 of alice, dave, erin, bob, frank, gina. */
  daily: { yesterday: { pv: 4, uv: 3 }, today: { pv: 1211, uv: 6 } },
  topPages: {
    '/bulk': { pv: 1200, uv: 1 },
    '/home': { pv: 6, uv: 5 },
    '/action/act_swap': { pv: 4, uv: 4 },
    '/onchain': { pv: 3, uv: 2 },
    '/rewards': { pv: 2, uv: 2 },
  },
  /** platform=ios: carol's /home, erin's /home and /rewards. */
  ios: { pv: 3, uv: 2 },
  delivery: {
    viewed: 4,
    clicked: 2,
    completed: 1,
    expands: 3,
    collapses: 1,
    daily: {
      yesterday: { views: 2, clicks: 1, completions: 0 },
      today: { views: 2, clicks: 1, completions: 1 },
    },
  },
  funnel: [
    { step: 'page_view', users: 4, events: 4, conversion: 1 },
    { step: 'card_click', users: 3, events: 3, conversion: 0.75 },
    { step: 'action_start', users: 2, events: 2, conversion: 2 / 3 },
    { step: 'action_complete', users: 1, events: 1, conversion: 0.5 },
    { step: 'reward_claim', users: 1, events: 1, conversion: 1 },
  ],
  /** completed users / started users: alice / (alice, bob). */
  completionRate: 0.5,
  /** Sessions viewing /home: alice, bob, carol yesterday; alice, dave, erin today. */
  pathsFromHome: {
    sessions: 6,
    paths: [
      { pages: ['/home'], sessions: 2 },
      { pages: ['/home', '/onchain'], sessions: 2 },
      { pages: ['/home', '/onchain', '/rewards'], sessions: 1 },
      { pages: ['/home', '/rewards'], sessions: 1 },
    ],
  },
  /** dlv_beta, the partner's delivery: erin's collapse. */
  partnerDelivery: { viewed: 1, expands: 0, collapses: 1 },
} as const

/** POSTs one request of `events` signed now for the development app. */
function postBatch(collectorUrl: string, events: unknown[]): Promise<Response> {
  const timestamp = Date.now()
  return fetch(`${collectorUrl}/api/v1/track`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      app_id: 'dev_app',
      timestamp,
      sign: computeSign('dev_app', timestamp, 'dev_secret'),
      sdk_version: 'seed',
      events,
    }),
  })
}

/** POSTs `events` signed for the development app, 100 per request, each answered 200. */
export async function postEvents(collectorUrl: string, events: unknown[]): Promise<void> {
  for (let i = 0; i < events.length; i += 100) {
    const response = await postBatch(collectorUrl, events.slice(i, i + 100))
    if (response.status !== 200) {
      throw new Error(`seed refused: ${response.status} ${await response.text()}`)
    }
  }
}

/**
 * POSTs one event the collector refuses (`user_id` a number: `wrong_type`), answered 400, so
 * that the health view has one rejection by reason.
 */
export async function postRejectedEvent(collectorUrl: string): Promise<void> {
  const response = await postBatch(collectorUrl, [
    {
      event_id: randomUUID(),
      event_name: 'page_view',
      user_id: 42,
      timestamp: Date.now(),
      platform: 'web',
      page: '/home',
      session_id: 'bad',
      properties: { page_name: 'home' },
    },
  ])
  if (response.status !== 400) {
    throw new Error(`expected 400 for the bad event, got ${response.status}`)
  }
}
