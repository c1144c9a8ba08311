import type { EventStore } from '../types'
import { fillDays, zonedRangeParams, type StatsRange } from './statsRange'
import {
  ACTION_DAILY_SQL,
  DELIVERY_DAILY_SQL,
  DELIVERY_USERS_SQL,
  TARGET_USERS_SQL,
} from './statsSql'

export type { StatsRange } from './statsRange'
export { overview } from './overview'
export type { OverviewOptions, OverviewStats, PageViewCounts } from './overview'

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
  /** Day in the asked time zone (UTC by default), `YYYY-MM-DD`. */
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

type Numeric = number | string
const num = (value: Numeric | undefined): number => Number(value ?? 0)

/**
 * Reach and engagement of one delivery (§九), exact: unique users with uniqExact, views and
 * clicks by the §六 24 h rule, over the stored events whatever their duplicates.
 *
 * @param store - The event store.
 * @param deliveryId - The delivery (投放) id.
 * @param range - Inclusive days of `range.tz` (UTC by default); open bounds follow the data.
 * @throws RangeError when the range is malformed.
 */
export async function deliveryStats(
  store: EventStore,
  deliveryId: string,
  range: StatsRange = {},
): Promise<DeliveryStats> {
  const params = { ...zonedRangeParams(range), id: deliveryId, window: DEDUP_WINDOW_MS }
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
 * @param range - Inclusive days of `range.tz` (UTC by default); open bounds follow the data.
 * @throws RangeError when the range is malformed.
 */
export async function actionStats(
  store: EventStore,
  actionId: string,
  range: StatsRange = {},
): Promise<ActionStats> {
  const rows = await store.query<
    Record<'views' | 'card_clicks' | 'starts' | 'completions', Numeric> & { date: string }
  >(ACTION_DAILY_SQL, { ...zonedRangeParams(range), id: actionId })
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
