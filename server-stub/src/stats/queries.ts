import type { EventStore } from '../types'
import { fillDays, rangeParams, type StatsRange } from './statsRange'
import { CHANGED_CELLS_SQL, LIVE_NUMBERS_SQL, UNION_USERS_SQL } from './overviewSql'
import { createAnswerCache, type AnswerCache } from './answerCache'
import { NO_DAYS, closedSnapshot, dayOf, splitRange } from './overviewSnapshot'
import {
  ACTION_DAILY_SQL,
  DELIVERY_DAILY_SQL,
  DELIVERY_USERS_SQL,
  TARGET_USERS_SQL,
} from './statsSql'

export type { StatsRange } from './statsRange'

/** §六's window: a recommendation counts again for the same user and delivery after 24 h. */
export const DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000

/**
 * Rates are rounded to this many decimals: §九's example shows two (0.27 for 850/3200), but
 * recommendation click rates are often below 1 %, which two decimals would flatten to 0.
 */
export const RATE_DECIMALS = 4

/** `numerator / denominator` rounded to {@link RATE_DECIMALS}; 0 when the denominator is 0. */
export function rate(numerator: number, denominator: number): number {
  if (denominator === 0) return 0
  const scale = 10 ** RATE_DECIMALS
  return Math.round((numerator / denominator) * scale) / scale
}

/** One day of {@link DeliveryStats} (§九). */
export interface DeliveryDailyStats {
  /** UTC day, `YYYY-MM-DD`. */
  date: string
  /** Counted impressions (§六: once per user within 24 h). */
  views: number
  /** Counted clicks (§六: once per user within 24 h). */
  clicks: number
  /** recommend_complete events, each event_id once. */
  completions: number
}

/** `GET /api/stats/delivery/{id}` (§九). */
export interface DeliveryStats {
  delivery_id: string
  /** Set with `PUT /api/admin/deliveries/{id}`; 0 until then. */
  target_users: number
  /** Unique users with a recommend_impression in the range. */
  viewed_users: number
  /** Unique users with a recommend_click in the range. */
  clicked_users: number
  /** Unique users with a recommend_complete in the range. */
  completed_users: number
  /** viewed_users / target_users. */
  view_rate: number
  /** clicked_users / viewed_users. */
  click_rate: number
  /** completed_users / viewed_users. */
  completion_rate: number
  /** Every day of the range, zeros included. */
  daily_stats: DeliveryDailyStats[]
}

/** One day of {@link ActionStats} (§九). */
export interface ActionDailyStats {
  date: string
  /** page_view events carrying the action_id. */
  views: number
  starts: number
  completions: number
}

/** `GET /api/stats/action/{id}` (§九). Counts are events, each event_id once. */
export interface ActionStats {
  action_id: string
  /** page_view events whose properties.action_id is the Action. */
  page_views: number
  /** card_click events whose properties.action_id (or, without one, card_id) is the Action. */
  card_clicks: number
  /** action_start events. */
  starts: number
  /** action_complete events. */
  completions: number
  /** completions / starts. */
  conversion_rate: number
  /** Every day of the range, zeros included. */
  daily_stats: ActionDailyStats[]
}

/** Page views and unique users (of page_view events). */
export interface PageViewCounts {
  pv: number
  uv: number
}

/** `GET /api/stats/overview`. */
export interface OverviewStats extends PageViewCounts {
  /** Every day of the range, zeros included; uv is per day. */
  daily_stats: (PageViewCounts & { date: string })[]
  /** The most viewed page paths, most views first. */
  top_pages: (PageViewCounts & { page: string })[]
}

/** Options of {@link overview}. */
export interface OverviewOptions extends StatsRange {
  /**
   * How many pages `top_pages` lists.
   * @default 10
   */
  topPages?: number
  /**
   * The current time in ms, which decides which days are closed (tests set it).
   * @default Date.now()
   */
  now?: number
}

type Numeric = number | string
const num = (value: Numeric | undefined): number => Number(value ?? 0)

/**
 * Reach and engagement of one delivery (§九), exact: unique users with uniqExact, views and
 * clicks by the §六 24 h rule, over the stored events whatever their duplicates.
 *
 * @param store - The event store.
 * @param deliveryId - The delivery (投放) id.
 * @param range - Inclusive UTC days; open bounds follow the data.
 * @throws RangeError when the range is malformed.
 */
export async function deliveryStats(
  store: EventStore,
  deliveryId: string,
  range: StatsRange = {},
): Promise<DeliveryStats> {
  const params = { ...rangeParams(range), id: deliveryId, window: DEDUP_WINDOW_MS }
  const [[users], target, daily] = await Promise.all([
    store.query<Record<'viewed_users' | 'clicked_users' | 'completed_users', Numeric>>(
      DELIVERY_USERS_SQL,
      params,
    ),
    store.query<{ target_users: Numeric }>(TARGET_USERS_SQL, { id: deliveryId }),
    store.query<Record<'views' | 'clicks' | 'completions', Numeric> & { date: string }>(
      DELIVERY_DAILY_SQL,
      params,
    ),
  ])
  const viewed = num(users?.viewed_users)
  const clicked = num(users?.clicked_users)
  const completed = num(users?.completed_users)
  const targetUsers = num(target[0]?.target_users)
  const rows = daily.map((row) => ({
    date: row.date,
    views: num(row.views),
    clicks: num(row.clicks),
    completions: num(row.completions),
  }))
  return {
    delivery_id: deliveryId,
    target_users: targetUsers,
    viewed_users: viewed,
    clicked_users: clicked,
    completed_users: completed,
    view_rate: rate(viewed, targetUsers),
    click_rate: rate(clicked, viewed),
    completion_rate: rate(completed, viewed),
    daily_stats: fillDays(rows, range, (date) => ({ date, views: 0, clicks: 0, completions: 0 })),
  }
}

/**
 * The funnel of one Onchain Action (§九): page views and card clicks that carry the Action's
 * id, starts and completions, each event counted once.
 *
 * @param store - The event store.
 * @param actionId - The Action id.
 * @param range - Inclusive UTC days; open bounds follow the data.
 * @throws RangeError when the range is malformed.
 */
export async function actionStats(
  store: EventStore,
  actionId: string,
  range: StatsRange = {},
): Promise<ActionStats> {
  const rows = await store.query<
    Record<'views' | 'card_clicks' | 'starts' | 'completions', Numeric> & { date: string }
  >(ACTION_DAILY_SQL, { ...rangeParams(range), id: actionId })
  const totals = { page_views: 0, card_clicks: 0, starts: 0, completions: 0 }
  const days = rows.map((row) => {
    // Event counts add up across days (unlike unique users), so the totals are the days' sums.
    totals.page_views += num(row.views)
    totals.card_clicks += num(row.card_clicks)
    totals.starts += num(row.starts)
    totals.completions += num(row.completions)
    return {
      date: row.date,
      views: num(row.views),
      starts: num(row.starts),
      completions: num(row.completions),
    }
  })
  return {
    action_id: actionId,
    ...totals,
    conversion_rate: rate(totals.completions, totals.starts),
    daily_stats: fillDays(days, range, (date) => ({ date, views: 0, starts: 0, completions: 0 })),
  }
}

/**
 * Page views and unique users per UTC day and in total, and the top pages, over page_view
 * events (each event once; unique users exact, never summed across days).
 *
 * Closed days (see overviewSnapshot.ts) come from a stored snapshot, checked against the
 * rollup's fingerprint on every request; live days (today) are merged from the rollup; the
 * unique users of the range and of the top pages are unions of the snapshot's states with the
 * live ones. Days the TTL removes (older than three months) are not counted.
 *
 * @param store - The event store.
 * @param options - Inclusive UTC days (open bounds follow the data) and the top-pages length.
 * @throws RangeError when the range is malformed.
 */
export async function overview(
  store: EventStore,
  options: OverviewOptions = {},
): Promise<OverviewStats> {
  const { topPages = 10, now = Date.now(), ...range } = options
  if (!Number.isSafeInteger(topPages) || topPages < 0) {
    throw new RangeError(`topPages must be a non-negative integer, got ${topPages}`)
  }
  const { from, to } = rangeParams(range)
  const parts = splitRange(from, to, now)
  const closed = parts.closed
    ? await closedSnapshot(store, parts.closed, parts.live, topPages)
    : undefined
  let answers = overviewAnswers.get(store)
  if (!answers) overviewAnswers.set(store, (answers = createAnswerCache()))
  const key = JSON.stringify([range.from, range.to, dayOf(now), topPages])
  const cached = closed && answers.get(key, closed.fingerprint)
  if (cached) return cached
  const changedDays = closed?.changedDays ?? []
  const live = {
    liveFrom: parts.live?.from ?? NO_DAYS.from,
    liveTo: parts.live?.to ?? NO_DAYS.to,
    changedDays,
  }
  const build = closed?.snapshot.build ?? NO_BUILD
  const [liveRows, changedCells] = await Promise.all([
    parts.live || changedDays.length
      ? store.query<{ day: string; pv: Numeric; uv: Numeric; pages: Record<string, Numeric> }>(
          LIVE_NUMBERS_SQL,
          live,
        )
      : [],
    changedDays.length
      ? store.query<{ page: string; pv: Numeric }>(CHANGED_CELLS_SQL, {
          ...parts.closed,
          limit: topPages,
          build,
          changedDays,
        })
      : [],
  ])
  // Closed days from the snapshot, except changed days, which come live with today.
  const changed = new Set(changedDays)
  const days = [...(closed?.snapshot.days ?? [])]
    .filter(([date]) => !changed.has(date))
    .map(([date, c]) => ({ date, pv: c.pv, uv: c.uv }))
  const pagePv = new Map([...(closed?.snapshot.pages ?? [])].map(([page, c]) => [page, c.pv]))
  const add = (page: string, pv: number) => pagePv.set(page, (pagePv.get(page) ?? 0) + pv)
  for (const cell of changedCells) add(cell.page, -num(cell.pv))
  for (const row of liveRows) {
    days.push({ date: row.day, pv: num(row.pv), uv: num(row.uv) })
    for (const [page, pv] of Object.entries(row.pages)) add(page, num(pv))
  }
  const top = [...pagePv]
    .filter(([, pv]) => pv > 0)
    .sort(([pageA, a], [pageB, b]) => b - a || (pageA < pageB ? -1 : pageA > pageB ? 1 : 0))
    .slice(0, topPages)
  const onlySnapshot = closed && !parts.live && changedDays.length === 0
  const users = onlySnapshot
    ? {
        // Only closed days, none changed: the snapshot has every number.
        total: closed.snapshot.total.uv,
        pages: new Map([...closed.snapshot.pages].map(([page, c]) => [page, c.uv])),
      }
    : await unionUsers(store, {
        ...parts.range,
        closedFrom: parts.closed?.from ?? parts.range.from,
        closedTo: parts.closed?.to ?? parts.range.from,
        limit: topPages,
        build,
        // Without a snapshot the whole range is live.
        ...(closed ? live : { ...live, liveFrom: parts.range.from, liveTo: parts.range.to }),
        snapPages: top
          .map(([page]) => page)
          .filter((p) => closed?.snapshot.pages.get(p)?.hasViewers),
        otherPages: top
          .map(([page]) => page)
          .filter((p) => !closed?.snapshot.pages.get(p)?.hasViewers),
      })
  const answer: OverviewStats = {
    // Page views add up across days; unique users do not, so they come from a union.
    pv: days.reduce((sum, day) => sum + day.pv, 0),
    uv: users.total,
    daily_stats: fillDays(days, range, (date) => ({ date, pv: 0, uv: 0 })),
    top_pages: top.map(([page, pv]) => ({ page, pv, uv: users.pages.get(page) ?? 0 })),
  }
  if (closed) answers.set(key, closed.fingerprint, answer)
  return answer
}

/** Overview answers per store, reused while no event for their range was stored since. */
const overviewAnswers = new WeakMap<EventStore, AnswerCache<OverviewStats>>()

const NO_BUILD = '00000000-0000-0000-0000-000000000000'

/** Unique viewers of the range and of the top pages: stored states united with live ones. */
async function unionUsers(
  store: EventStore,
  params: Record<string, unknown>,
): Promise<{ total: number; pages: Map<string, number> }> {
  const rows = await store.query<{ kind: 'total' | 'page'; key: string; uv: Numeric }>(
    UNION_USERS_SQL,
    params,
  )
  const result = { total: 0, pages: new Map<string, number>() }
  for (const row of rows) {
    if (row.kind === 'total') result.total = num(row.uv)
    else result.pages.set(row.key, num(row.uv))
  }
  return result
}

/**
 * Sets a delivery's target users (`PUT /api/admin/deliveries/{id}`); the latest call wins.
 *
 * @throws RangeError when `targetUsers` is not a non-negative safe integer.
 */
export async function setTargetUsers(
  store: EventStore,
  deliveryId: string,
  targetUsers: number,
): Promise<void> {
  if (!Number.isSafeInteger(targetUsers) || targetUsers < 0) {
    throw new RangeError(`target_users must be a non-negative integer, got ${targetUsers}`)
  }
  await store.insert('deliveries', [{ delivery_id: deliveryId, target_users: targetUsers }])
}
