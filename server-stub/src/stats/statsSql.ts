import { eventsWithPerson, personOf } from './personSql'

/**
 * The SQL of the stats API, shared by both stores. Users are people (stats/personSql.ts): an
 * anonymous id counts as the user it was first linked to. Every number is exact over duplicate rows
 * (a replayed insert leaves a second copy of an event until a merge, which may never come):
 * - unique users: `uniqExact(person)`, which duplicates cannot change;
 * - event counts: `FROM events FINAL`, which collapses rows with the same key (event_id);
 * - §六 counts: a fold over sorted timestamps, where a duplicate is 0 ms after its twin and so
 *   never counted twice.
 * Every query filters on the leading columns of the table's key (event_name, then delivery_id
 * or action_id), so it reads one delivery's or one action's rows. Days are those of the time
 * zone `{tz:String}` (UTC by default), read through `event_date` between `{from_utc:Date}` and
 * `{to_utc:Date}` (see zonedRangeParams), so the key still narrows the rows.
 */

import { FILTER_SQL } from './statsFilters'

/**
 * §六: recommend_impression / recommend_click count once per (event, person, delivery) within
 * 24 h: an impression before login and one after it within 24 h count once. Per (event_name,
 * person) of the delivery, over its timestamps `ts` in order, the first
 * counts and a later one counts when it is at least `{window}` ms after the last COUNTED one
 * (so impressions every 23 h count every other one, as the seed's "no counted event in the
 * past 24 h" check would). That greedy rule is sequential; done event by event (arrayFold over
 * `ts`) it cost ~10 µs per event of the longest list, 0.9 s for one user with 50 000
 * impressions. So it jumps instead:
 * - `next[i]`, the index of the first timestamp ≥ ts[i] + window, for every i at once: sort the
 *   timestamps together with the shifted ones (a shifted one first on a tie, to count strictly
 *   smaller timestamps) and take the running count of timestamps at each shifted one;
 * - then follow next[] from the first event: each step is one counted event, and counted events
 *   are ≥ 24 h apart, so at most (last - first) / window + 1 steps — days, not events.
 * A duplicate row (same event, same timestamp) is never counted twice: it is 0 ms after its
 * twin. The rule needs the pair's whole history, so only the range's end limits the rows read;
 * the counted timestamps are bucketed by UTC day and kept when inside the range.
 */
const COUNTED_RECOMMENDATIONS = `
  SELECT event_name,
    arraySort(arrayConcat(
      arrayMap(t -> (t + {window:Int64}, 0), ts), arrayMap(t -> (t, 1), ts))) AS merged,
    arrayMap(c -> c + 1, arrayFilter((c, m) -> m.2 = 0,
      arrayCumSum(arrayMap(m -> toUInt64(m.2), merged)), merged)) AS next,
    arrayJoin(arrayFold(
      (acc, step) -> if(acc.1 <= length(ts), (next[acc.1], arrayPushBack(acc.2, ts[acc.1])), acc),
      range(toUInt64(intDiv(ts[-1] - ts[1], {window:Int64}) + 1)),
      (toUInt64(1), CAST([], 'Array(Int64)'))).2) AS counted_at
  FROM (
    SELECT e.event_name AS event_name,
      arraySort(groupArray(toUnixTimestamp64Milli(e.timestamp))) AS ts
    FROM ${eventsWithPerson()}
    WHERE e.event_name IN ('recommend_impression', 'recommend_click')
      AND e.delivery_id = {id:String}
      AND e.event_date <= {to_utc:Date}
      AND ${FILTER_SQL}
    GROUP BY e.event_name, ${personOf()}
  )`

/** Daily views and clicks (§六 rule) and completions (each event once) of one delivery. */
export const DELIVERY_DAILY_SQL = `
SELECT toString(date) AS date, sum(views) AS views, sum(clicks) AS clicks,
  sum(completions) AS completions
FROM (
  SELECT toDate(fromUnixTimestamp64Milli(counted_at), {tz:String}) AS date,
    countIf(event_name = 'recommend_impression') AS views,
    countIf(event_name = 'recommend_click') AS clicks,
    toUInt64(0) AS completions
  FROM (${COUNTED_RECOMMENDATIONS}
  )
  WHERE date BETWEEN {from:Date} AND {to:Date}
  GROUP BY date
  UNION ALL
  SELECT toDate(timestamp, {tz:String}) AS date, toUInt64(0), toUInt64(0), count()
  FROM events FINAL
  WHERE event_name = 'recommend_complete'
    AND delivery_id = {id:String}
    AND event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
    AND toDate(timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
    AND ${FILTER_SQL}
  GROUP BY date
)
GROUP BY date
ORDER BY date`

/** Unique viewing, clicking and completing people of one delivery over the range. */
export const DELIVERY_USERS_SQL = `
SELECT
  uniqExactIf(${personOf()}, e.event_name = 'recommend_impression') AS viewed_users,
  uniqExactIf(${personOf()}, e.event_name = 'recommend_click') AS clicked_users,
  uniqExactIf(${personOf()}, e.event_name = 'recommend_complete') AS completed_users
FROM ${eventsWithPerson()}
WHERE e.event_name IN ('recommend_impression', 'recommend_click', 'recommend_complete')
  AND e.delivery_id = {id:String}
  AND e.event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
  AND toDate(e.timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
  AND ${FILTER_SQL}`

/**
 * recommend_expand_collapse events of one delivery over the range, by `properties.action`. Each
 * event_id counts once through uniqExact(event_id), which a replayed copy cannot change, rather
 * than FINAL: the answer is the same and no merge of the delivery's rows is needed to read it.
 */
export const DELIVERY_EXPAND_COLLAPSE_SQL = `
SELECT
  uniqExactIf(event_id, JSONExtractString(properties, 'action') = 'expand') AS expands,
  uniqExactIf(event_id, JSONExtractString(properties, 'action') = 'collapse') AS collapses
FROM events
WHERE event_name = 'recommend_expand_collapse'
  AND delivery_id = {id:String}
  AND event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
  AND toDate(timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
  AND ${FILTER_SQL}`

/** The latest target users set for a delivery (the last PUT wins, see DELIVERIES_DDL). */
export const TARGET_USERS_SQL = `
SELECT target_users FROM deliveries FINAL WHERE delivery_id = {id:String}`

/**
 * The events of an Action's funnel (§三): the table's action_id is `properties.action_id`, or
 * `properties.card_id` for a card_click without one (an Action card's id is its Action's id);
 * page views count when the page_view carries the action_id, reward claims when they name it.
 */
const ACTION_EVENTS = `e.event_name IN ('page_view', 'card_click', 'action_start',
      'action_complete', 'reward_claim')
    AND e.action_id = {id:String}
    AND e.event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
    AND toDate(e.timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
    AND ${FILTER_SQL}`

/**
 * Daily events of each funnel step of one Action (each event once, FINAL), and the day's
 * starting and completing people (uniqExact of the person, blind to duplicates).
 */
export const ACTION_DAILY_SQL = `
SELECT toString(toDate(e.timestamp, {tz:String})) AS date,
  countIf(e.event_name = 'page_view') AS views,
  countIf(e.event_name = 'card_click') AS card_clicks,
  countIf(e.event_name = 'action_start') AS starts,
  countIf(e.event_name = 'action_complete') AS completions,
  countIf(e.event_name = 'reward_claim') AS reward_claims,
  uniqExactIf(${personOf()}, e.event_name = 'action_start') AS started_users,
  uniqExactIf(${personOf()}, e.event_name = 'action_complete') AS completed_users
FROM ${eventsWithPerson('e', true)}
WHERE ${ACTION_EVENTS}
GROUP BY date
ORDER BY date`

/**
 * The Action's ordered funnel over the range: per person the number of steps page_view →
 * card_click → action_start → action_complete → reward_claim done in that order in time
 * (windowFunnel over a window longer than any range the TTL leaves), and per level the people
 * who stopped there; plus the range's starting and completing people for the completion rate.
 * A person's steps may be under several ids: a page view and card click before login and the
 * start after it are one person's three steps. Duplicate rows change nothing: a level is per
 * person and a set of people is exact.
 */
export const ACTION_FUNNEL_SQL = `
SELECT toUInt8(level) AS level, count() AS users,
  sum(started) AS started_users, sum(completed) AS completed_users
FROM (
  SELECT ${personOf()} AS person,
    windowFunnel(toUInt64(400 * 86400000))(toUInt64(toUnixTimestamp64Milli(e.timestamp)),
      e.event_name = 'page_view', e.event_name = 'card_click', e.event_name = 'action_start',
      e.event_name = 'action_complete', e.event_name = 'reward_claim') AS level,
    max(e.event_name = 'action_start') AS started,
    max(e.event_name = 'action_complete') AS completed
  FROM ${eventsWithPerson()}
  WHERE ${ACTION_EVENTS}
  GROUP BY person
)
GROUP BY level`

// The overview's SQL is in overviewSql.ts.
