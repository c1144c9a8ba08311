// The synthetic events of the stats benchmarks (bench/server.mjs part 4, bench/dashboard.mjs).

const DAY = 86_400_000

/**
 * One INSERT … SELECT of `rows` events: 7 event names (40 % page_view, 30 % impression, 10 %
 * click, 5 % complete, 7 % card_click, 5 % start, 3 % action_complete), 1,000 deliveries, 200
 * actions, 100k users, 50 pages, 1M sessions, timestamps uniform over the 30 days from `from`
 * (ms).
 */
export function syntheticEventsInsert(rows, from) {
  return `INSERT INTO events (event_id, event_name, user_id, timestamp, app_id, platform,
      page, session_id, properties, delivery_id, action_id, client_ip, received_at, sdk_version,
      app_version)
    SELECT generateUUIDv4(number) AS event_id,
      multiIf(number % 100 < 40, 'page_view', number % 100 < 70, 'recommend_impression',
        number % 100 < 80, 'recommend_click', number % 100 < 85, 'recommend_complete',
        number % 100 < 92, 'card_click', number % 100 < 97, 'action_start', 'action_complete')
        AS name,
      concat('u', toString(cityHash64(number, 1) % 100000)) AS user_id,
      fromUnixTimestamp64Milli(toInt64(${from} + cityHash64(number, 2) % ${30 * DAY}), 'UTC') AS ts,
      'dev_app', 'web', concat('/p/', toString(cityHash64(number, 5) % 50)),
      concat('s', toString(cityHash64(number, 6) % 1000000)),
      multiIf(startsWith(name, 'recommend_'), concat('{"delivery_id":"', d, '","content_type":"article"}'),
        a != '', concat('{"action_id":"', a, '"}'), '{}'),
      if(startsWith(name, 'recommend_'), concat('d', toString(cityHash64(number, 3) % 1000)), '') AS d,
      if(name IN ('card_click', 'action_start', 'action_complete')
          OR (name = 'page_view' AND number % 3 = 0),
        concat('a', toString(cityHash64(number, 4) % 200)), '') AS a,
      '127.0.0.1', ts, 'bench', ''
    FROM numbers(${rows})`
}
