import type { EventStore } from '../types'
import { fillDays, zonedRangeParams, type StatsRange } from './statsRange'
import { NO_FILTERS, type StatsFilters } from './statsFilters'
import {
  ACTION_DAILY_SQL,
  ACTION_FUNNEL_SQL,
  DELIVERY_DAILY_SQL,
  DELIVERY_EXPAND_COLLAPSE_SQL,
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
  /** recommend_expand_collapse events with action `expand` in the range, each event_id once. */
  expands: number
  /** recommend_expand_collapse events with action `collapse` in the range, each event_id once. */
  collapses: number
  /** Every day of the range, zeros included. */
  daily_stats: DeliveryDailyStats[]
}

/** One day of {@link ActionStats} (§九, plus the steps and users of the funnel). */
export interface ActionDailyStats {
  date: string
  /** page_view events carrying the action_id. */
  views: number
  card_clicks: number
  starts: number
  completions: number
  reward_claims: number
  /** Unique users with an action_start that day. */
  started_users: number
  /** Unique users with an action_complete that day. */
  completed_users: number
  /** completed_users / started_users of the day (任务完成率's daily trend). */
  completion_rate: number
}

/** The steps of an Action's funnel, in order (§三's Onchain events). */
export const FUNNEL_STEPS = [
  'page_view',
  'card_click',
  'action_start',
  'action_complete',
  'reward_claim',
] as const

/** One step of {@link ActionStats.funnel}. */
export interface FunnelStep {
  step: (typeof FUNNEL_STEPS)[number]
  /** Users who did this step and every earlier one, in order, within the range. */
  users: number
  /** The step's events in the range, each once. */
  events: number
  /** users / the previous step's users (1 for the first step; 0 after a step with none). */
  conversion: number
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
  /** reward_claim events naming the Action. */
  reward_claims: number
  /** The ordered funnel page_view → card_click → action_start → action_complete → reward_claim. */
  funnel: FunnelStep[]
  /** 任务完成率: users with an action_complete / users with an action_start, over the range. */
  completion_rate: number
  /** Every day of the range, zeros included. */
  daily_stats: ActionDailyStats[]
}

type Numeric = number | string
const num = (value: Numeric | undefined): number => Number(value ?? 0)

/**
 * Reach and engagement of one delivery (§九), exact: unique users with uniqExact, views and
 * clicks by the §六 24 h rule, expand and collapse events each once, over the stored events
 * whatever their duplicates.
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
  filters: StatsFilters = NO_FILTERS,
): Promise<DeliveryStats> {
  const params = {
    ...zonedRangeParams(range),
    ...filters,
    id: deliveryId,
    window: DEDUP_WINDOW_MS,
  }
  const [[users], [toggles], target, daily] = await Promise.all([
    store.query<Record<'viewed_users' | 'clicked_users' | 'completed_users', Numeric>>(
      DELIVERY_USERS_SQL,
      params,
    ),
    store.query<Record<'expands' | 'collapses', Numeric>>(DELIVERY_EXPAND_COLLAPSE_SQL, params),
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
    expands: num(toggles?.expands),
    collapses: num(toggles?.collapses),
    daily_stats: fillDays(rows, range, (date) => ({ date, views: 0, clicks: 0, completions: 0 })),
  }
}

/**
 * The funnel of one Onchain Action (§九, docs/stats-api.md): page views and card clicks that
 * carry the Action's id, starts, completions and reward claims, each event counted once; the
 * ordered funnel of users over the range; the completion rate and its daily trend.
 *
 * @param store - The event store.
 * @param actionId - The Action id.
 * @param range - Inclusive days of `range.tz` (UTC by default); open bounds follow the data.
 * @param filters - Only events of this app and platform.
 * @throws RangeError when the range is malformed.
 */
export async function actionStats(
  store: EventStore,
  actionId: string,
  range: StatsRange = {},
  filters: StatsFilters = NO_FILTERS,
): Promise<ActionStats> {
  const params = { ...zonedRangeParams(range), ...filters, id: actionId }
  type Day = Record<Exclude<keyof ActionDailyStats, 'date' | 'completion_rate'>, Numeric>
  const [rows, levels] = await Promise.all([
    store.query<Day & { date: string }>(ACTION_DAILY_SQL, params),
    store.query<{
      level: Numeric
      users: Numeric
      started_users: Numeric
      completed_users: Numeric
    }>(ACTION_FUNNEL_SQL, params),
  ])
  const totals = { page_views: 0, card_clicks: 0, starts: 0, completions: 0, reward_claims: 0 }
  const days = rows.map((row): ActionDailyStats => {
    // Event counts add up across days (unlike unique users), so the totals are the days' sums.
    totals.page_views += num(row.views)
    totals.card_clicks += num(row.card_clicks)
    totals.starts += num(row.starts)
    totals.completions += num(row.completions)
    totals.reward_claims += num(row.reward_claims)
    return {
      date: row.date,
      views: num(row.views),
      card_clicks: num(row.card_clicks),
      starts: num(row.starts),
      completions: num(row.completions),
      reward_claims: num(row.reward_claims),
      started_users: num(row.started_users),
      completed_users: num(row.completed_users),
      completion_rate: rate(num(row.completed_users), num(row.started_users)),
    }
  })
  // Users reaching step k are those whose level is k or more.
  const reached = FUNNEL_STEPS.map((_, k) =>
    levels.reduce((sum, row) => sum + (num(row.level) >= k + 1 ? num(row.users) : 0), 0),
  )
  const started = levels.reduce((sum, row) => sum + num(row.started_users), 0)
  const completed = levels.reduce((sum, row) => sum + num(row.completed_users), 0)
  const events = [
    totals.page_views,
    totals.card_clicks,
    totals.starts,
    totals.completions,
    totals.reward_claims,
  ]
  return {
    action_id: actionId,
    page_views: totals.page_views,
    card_clicks: totals.card_clicks,
    starts: totals.starts,
    completions: totals.completions,
    conversion_rate: rate(totals.completions, totals.starts),
    reward_claims: totals.reward_claims,
    funnel: FUNNEL_STEPS.map((step, k) => ({
      step,
      users: reached[k]!,
      events: events[k]!,
      conversion: k === 0 ? (reached[0]! > 0 ? 1 : 0) : rate(reached[k]!, reached[k - 1]!),
    })),
    completion_rate: rate(completed, started),
    daily_stats: fillDays(days, range, (date) => ({
      date,
      views: 0,
      card_clicks: 0,
      starts: 0,
      completions: 0,
      reward_claims: 0,
      started_users: 0,
      completed_users: 0,
      completion_rate: 0,
    })),
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
