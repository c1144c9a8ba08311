import type { EventStore } from '../types'
import { eventsWithPerson, personOf } from './personSql'
import { FILTER_SQL, type StatsFilters } from './statsFilters'
import { zonedRangeParams, type StatsRange } from './statsRange'

/** One row of `GET /api/stats/deliveries`. */
export interface DeliverySummary {
  delivery_id: string
  target_users: number
  /** Unique people with a recommend_impression in the range (`uniq`, see DELIVERY_LIST_SQL). */
  viewed_users: number
  /** Unique people with a recommend_click in the range. */
  clicked_users: number
  /** Unique people with a recommend_complete in the range. */
  completed_users: number
}

/**
 * The deliveries with a recommend_* event in the range (or, `{only}` non-empty, exactly those),
 * with their unique people (stats/personSql.ts), and every delivery with a target set. People
 * are `uniq`'s count:
 * exact up to 65,536 users per delivery and number, within about 1 % above — a list to pick
 * from; exact uniqExact over every delivery of a week took 1–1.5 s over 10M events, and the
 * delivery's own route (`deliveryStats`) stays exact. The events are read by the
 * table's leading key column (event_name), so this is one pass over the range's recommendation
 * events; with `{only}` also by delivery_id.
 */
const DELIVERY_LIST_SQL = `
SELECT delivery_id, max(target) AS target_users, max(viewed) AS viewed_users,
  max(clicked) AS clicked_users, max(completed) AS completed_users
FROM (
  SELECT e.delivery_id AS delivery_id, toUInt64(0) AS target,
    uniqIf(${personOf()}, e.event_name = 'recommend_impression') AS viewed,
    uniqIf(${personOf()}, e.event_name = 'recommend_click') AS clicked,
    uniqIf(${personOf()}, e.event_name = 'recommend_complete') AS completed
  FROM ${eventsWithPerson()}
  WHERE e.event_name IN ('recommend_impression', 'recommend_click', 'recommend_complete')
    AND (empty({only:Array(String)}) OR e.delivery_id IN {only:Array(String)})
    AND e.delivery_id != ''
    AND e.event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
    AND toDate(e.timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
    AND ${FILTER_SQL}
  GROUP BY delivery_id
  UNION ALL
  SELECT delivery_id, target_users, 0, 0, 0
  FROM deliveries FINAL
  WHERE empty({only:Array(String)}) OR delivery_id IN {only:Array(String)}
)
GROUP BY delivery_id
ORDER BY delivery_id`

type Numeric = number | string

/**
 * The deliveries a token may read, with their reach over the range.
 *
 * @param store - The event store.
 * @param range - Inclusive days of `range.tz`.
 * @param filters - Only events of this app and platform.
 * @param only - A partner's deliveries: exactly these, zeros where nothing happened; every
 *   delivery with events or a target when absent (the admin).
 * @throws RangeError when the range is malformed.
 */
export async function deliveryList(
  store: EventStore,
  range: StatsRange,
  filters: StatsFilters,
  only?: readonly string[],
): Promise<DeliverySummary[]> {
  if (only && only.length === 0) return []
  const rows = await store.query<Record<keyof DeliverySummary, Numeric>>(DELIVERY_LIST_SQL, {
    ...zonedRangeParams(range),
    ...filters,
    only: only ?? [],
  })
  const found = new Map(
    rows.map((row) => [
      String(row.delivery_id),
      {
        delivery_id: String(row.delivery_id),
        target_users: Number(row.target_users),
        viewed_users: Number(row.viewed_users),
        clicked_users: Number(row.clicked_users),
        completed_users: Number(row.completed_users),
      },
    ]),
  )
  if (!only) return [...found.values()]
  return [...only].sort().map(
    (delivery_id) =>
      found.get(delivery_id) ?? {
        delivery_id,
        target_users: 0,
        viewed_users: 0,
        clicked_users: 0,
        completed_users: 0,
      },
  )
}
