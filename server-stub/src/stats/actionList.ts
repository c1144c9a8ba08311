import type { EventStore } from '../types'
import { eventsWithPerson, personOf } from './personSql'
import { rate } from './queries'
import { FILTER_SQL, type StatsFilters } from './statsFilters'
import { zonedRangeParams, type StatsRange } from './statsRange'

/** One row of `GET /api/stats/actions`. */
export interface ActionSummary {
  action_id: string
  /** page_view events carrying the action_id, each once. */
  page_views: number
  /** Unique people (stats/personSql.ts) with an action_start. */
  started_users: number
  /** Unique people with an action_complete. */
  completed_users: number
  /** completed_users / started_users. */
  completion_rate: number
}

/**
 * Every Action with a funnel event in the range; page views each event once (uniqExact of ids),
 * started and completed users are people (stats/personSql.ts), as in the Action's own answer.
 */
const ACTION_LIST_SQL = `
SELECT e.action_id AS action_id,
  uniqExactIf(e.event_id, e.event_name = 'page_view') AS page_views,
  uniqExactIf(${personOf()}, e.event_name = 'action_start') AS started_users,
  uniqExactIf(${personOf()}, e.event_name = 'action_complete') AS completed_users
FROM ${eventsWithPerson()}
WHERE e.event_name IN ('page_view', 'card_click', 'action_start', 'action_complete',
    'reward_claim')
  AND e.action_id != ''
  AND e.event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
  AND toDate(e.timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
  AND ${FILTER_SQL}
GROUP BY action_id
ORDER BY started_users DESC, action_id
LIMIT {limit:UInt32}`

type Numeric = number | string

/**
 * The Actions with events in the range, most started users first, for the Action picker.
 *
 * @param limit - How many Actions at most.
 * @throws RangeError when the range is malformed.
 */
export async function actionList(
  store: EventStore,
  range: StatsRange,
  filters: StatsFilters,
  limit: number,
): Promise<ActionSummary[]> {
  const rows = await store.query<Record<keyof ActionSummary, Numeric>>(ACTION_LIST_SQL, {
    ...zonedRangeParams(range),
    ...filters,
    limit,
  })
  return rows.map((row) => ({
    action_id: String(row.action_id),
    page_views: Number(row.page_views),
    started_users: Number(row.started_users),
    completed_users: Number(row.completed_users),
    completion_rate: rate(Number(row.completed_users), Number(row.started_users)),
  }))
}
