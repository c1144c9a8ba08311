// The stats API the dashboard calls (issue 12, docs/stats-api.md) over many events: p50 / p95
// of each endpoint, on the embedded server (chdb), after the server's own warm-up at start.
//
//   npm run build && node bench/dashboardApi.mjs [--rows 10000000] [--runs 25] [--data-dir DIR]
//
// --data-dir keeps the store there and reuses it when it already holds events (the insert is
// skipped), to time a change against the same 10M events without waiting for the insert again;
// the events' days are relative to the first run, so reuse it within hours, not days.
//
// Writes its section into docs/server-benchmarks.md (after bench/server.mjs's kept marker,
// between its own markers, so either command can be rerun alone).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { median, quantile } from './stats.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const DIST = join(ROOT, 'server-stub/dist/index.mjs')
const ADMIN = 'admin'
const KEPT_MARKER = '<!-- Kept when bench/server.mjs rewrites this file: -->'
const START = '<!-- bench/dashboardApi.mjs start -->'
const END = '<!-- bench/dashboardApi.mjs end -->'
const DAY = 86_400_000
const HOUR = 3_600_000
/** Events per generated session (~3 page views: 40 % of events are page views). */
const SESSION_EVENTS = 8
/** The whole run stops by itself after this, whatever happens. */
const DEADLINE_MS = 30 * 60_000

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '25' },
    out: { type: 'string', default: 'docs/server-benchmarks.md' },
    'data-dir': { type: 'string' },
    // Only the endpoints whose label contains this text; the docs are then left unchanged.
    only: { type: 'string' },
  },
})
const rows = Number(args.rows)
const runs = Number(args.runs)
const started = performance.now()
const log = (msg) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${msg}`)
const deadline = setTimeout(() => {
  console.error('dashboardApi: deadline passed, stopping')
  process.exit(2)
}, DEADLINE_MS)
deadline.unref()

const server = await import(DIST)
const silent = {
  info() {},
  error(entry) {
    console.error(JSON.stringify(entry))
  },
}
const keptDir = args['data-dir'] ? resolve(args['data-dir']) : undefined
if (keptDir) await mkdir(keptDir, { recursive: true })
const dataDir = keptDir ?? (await mkdtemp(join(tmpdir(), 'trackpoint-bench-dashboard-')))
const start = (roles) =>
  server.startServer({
    roles,
    config: server.loadConfig({
      TRACKPOINT_DATA_DIR: dataDir,
      PORT: '0',
      TRACKPOINT_ADMIN_TOKEN: ADMIN,
      TRACKPOINT_TIMEZONE: 'UTC',
    }),
    logger: silent,
  })

const day = (t) => new Date(t).toISOString().slice(0, 10)
const now = Date.now()
const from30 = now - 30 * DAY

let running
try {
  // ---- data: bench/server.mjs's mix, plus apps, platforms, sessions and the funnel's ends ----
  // Without the stats role, so that no warm-up runs over the empty store before the insert.
  running = await start(['collector', 'consumer'])
  log(`embedded server ${running.url}; inserting ${rows.toLocaleString('en-US')} events`)
  const insert = `INSERT INTO events (event_id, event_name, user_id, timestamp, app_id, platform,
      page, session_id, properties, delivery_id, action_id, client_ip, received_at, sdk_version,
      app_version, unplanned, anonymous_id, stored_at)
    -- Sessions as the SDK makes them: ${SESSION_EVENTS} events in a row of one person, app and
    -- platform, a minute or so apart (so a session ends long before 30 minutes idle), starting
    -- at any time of the month.
    -- The kind of event (below) scrambled over the numbers of a session (37 is prime to 100, so
    -- every hundred numbers still has each kind once), so that a session mixes page views,
    -- impressions and clicks.
    WITH intDiv(number, ${SESSION_EVENTS}) AS session, cityHash64(session, 1) % 100000 AS person,
      (number * 37) % 100 AS kind
    SELECT generateUUIDv4(number) AS event_id,
      multiIf(kind < 40, 'page_view', kind < 70, 'recommend_impression',
        kind < 80, 'recommend_click', kind < 84, 'recommend_complete',
        kind < 91, 'card_click', kind < 96, 'action_start',
        kind < 98, 'action_complete', number % 1000 < 995, 'reward_claim', 'promo_open')
        AS name,
      -- One user in five logged in half-way through the month from a device id ('a…'), which
      -- makes 20,000 identity links for the person rule (stats/personSql.ts) to apply.
      if(person % 5 = 0
          AND ts < fromUnixTimestamp64Milli(toInt64(${from30 + 15 * DAY}), 'UTC'),
        concat('a', toString(person)),
        concat('u', toString(person))) AS user_id,
      fromUnixTimestamp64Milli(toInt64(${from30} + cityHash64(session, 2) % ${30 * DAY - HOUR}
        + (number % ${SESSION_EVENTS}) * 60000 + cityHash64(number, 2) % 60000), 'UTC') AS ts,
      if(cityHash64(session, 7) % 10 < 7, 'onchain', 'reco'),
      ['web', 'ios', 'android'][1 + cityHash64(session, 8) % 3],
      concat('/p/', toString(cityHash64(number, 5) % 50)),
      concat('s', toString(session)),
      multiIf(startsWith(name, 'recommend_'), concat('{"delivery_id":"', d, '","content_type":"article"}'),
        a != '', concat('{"action_id":"', a, '"}'), '{}'),
      if(startsWith(name, 'recommend_'), concat('d', toString(cityHash64(number, 3) % 1000)), '') AS d,
      if(name IN ('card_click', 'action_start', 'action_complete', 'reward_claim')
          OR (name = 'page_view' AND number % 3 = 0),
        concat('a', toString(cityHash64(number, 4) % 200)), '') AS a,
      '127.0.0.1', ts, ['1.0.0', '1.1.0', '1.2.0'][1 + cityHash64(number, 9) % 3], '',
      if(name = 'promo_open', ['unknown_event:event_name'], []),
      if(person % 5 = 0, concat('a', toString(person)), user_id),
      -- Stored as they arrived over the month, not all in the minute of this insert.
      toDateTime64(ts, 6, 'UTC') + 0.2
    FROM numbers(${rows})`
  const [{ c: before }] = await running.store.query('SELECT count() AS c FROM events')
  const reused = keptDir !== undefined && Number(before) > 0
  const t0 = performance.now()
  if (!reused) {
    await running.store.command(insert)
    // The last hour's arrivals for health and live: 20,000 events received in the last 50 min.
    await running.store.command(`INSERT INTO events (event_id, event_name, user_id, timestamp,
        app_id, platform, page, session_id, properties, client_ip, received_at, sdk_version,
        app_version, stored_at)
      SELECT generateUUIDv4(number + ${rows}), 'page_view', concat('u', toString(number % 5000)),
        fromUnixTimestamp64Milli(toInt64(${now} - (number % 3000) * 1000), 'UTC') AS ts,
        'onchain', 'web', concat('/p/', toString(number % 50)), concat('live', toString(number % 900)),
        '{}', '127.0.0.1', ts, '1.2.0', '', toDateTime64(ts, 6, 'UTC') + 0.2
      FROM numbers(20000)`)
  }
  const insertSec = (performance.now() - t0) / 1000
  const [{ c }] = await running.store.query('SELECT count() AS c FROM events')
  log(
    reused
      ? `reused ${Number(c).toLocaleString('en-US')} rows in ${keptDir}`
      : `inserted ${Number(c).toLocaleString('en-US')} rows in ${insertSec.toFixed(1)} s`,
  )
  // A restart, as after a deploy: the warm-up at start builds the overview snapshots.
  await running.close()
  const restartT0 = performance.now()
  running = await start(['collector', 'consumer', 'stats'])
  // The overview snapshots, then the paths builds, of the last 7 and 30 days.
  const warmed = async () =>
    (
      await running.store.query(
        `SELECT count() AS n FROM overview_snapshots WHERE kind = 'total'
         AND to_date = {to:Date}`,
        { to: day(now - DAY) },
      )
    )[0].n >= 2 &&
    (
      await running.store.query(
        `SELECT count() AS n FROM path_builds WHERE part = 'from:4' AND to_date = {to:Date}`,
        { to: day(now) },
      )
    )[0].n >= 2
  while (!(await warmed())) {
    if (performance.now() - restartT0 > 120_000) throw new Error('no warm-up within 120 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const warmSec = (performance.now() - restartT0) / 1000
  log(`restarted; warm-up done ${warmSec.toFixed(1)} s after the start began`)
  // The steady state a dashboard user meets: ClickHouse merges the insert's parts for a while
  // after it, competing with the calls for the 2 cores; measure once it is done (bounded).
  const mergesT0 = performance.now()
  const merging = async () =>
    Number((await running.store.query('SELECT count() AS n FROM system.merges'))[0].n) > 0
  while ((await merging()) && performance.now() - mergesT0 < 300_000) {
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  const mergeSec = (performance.now() - mergesT0) / 1000
  log(`background merges done ${mergeSec.toFixed(1)} s later`)
  const token = await fetch(`${running.url}/api/admin/partner-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', delivery_ids: ['d1', 'd2', 'd3'] }),
  }).then((r) => r.json())

  // ---- the endpoints the dashboard calls ---------------------------------------------------
  const r7 = `from=${day(now - 6 * DAY)}&to=${day(now)}`
  // The dashboard's presets (docs/stats-api.md), which the warm-up computes.
  const r30 = `from=${day(now - 29 * DAY)}&to=${day(now)}`
  let cursor = ''
  const endpoints = [
    ['GET /api/stats/whoami', () => '/api/stats/whoami'],
    ['GET /api/stats/overview, 7 days (warmed)', () => `/api/stats/overview?${r7}`],
    ['GET /api/stats/overview, 30 days (warmed)', () => `/api/stats/overview?${r30}`],
    [
      'GET /api/stats/overview, 30 days, app_id=onchain',
      () => `/api/stats/overview?${r30}&app_id=onchain`,
    ],
    [
      'GET /api/stats/overview, 7 days, platform=ios, tz=Asia/Shanghai',
      () => `/api/stats/overview?${r7}&platform=ios&tz=Asia/Shanghai`,
    ],
    ['GET /api/stats/deliveries, 7 days', () => `/api/stats/deliveries?${r7}`],
    [
      'GET /api/stats/delivery/{id}, 30 days (random of 1,000)',
      (i) => `/api/stats/delivery/d${(i * 389) % 1000}?${r30}`,
    ],
    [
      'GET /api/stats/delivery/{id}, 30 days, platform=android',
      (i) => `/api/stats/delivery/d${(i * 389) % 1000}?${r30}&platform=android`,
    ],
    [
      'GET /api/stats/delivery/{id} with a partner token',
      (i) => `/api/stats/delivery/d${1 + (i % 3)}?${r30}`,
      token.token,
    ],
    ['GET /api/stats/actions, 7 days', () => `/api/stats/actions?${r7}`],
    [
      'GET /api/stats/action/{id}, 30 days (random of 200)',
      (i) => `/api/stats/action/a${(i * 67) % 200}?${r30}`,
    ],
    [
      'GET /api/stats/paths?start=, 7 days, depth 4',
      (i) => `/api/stats/paths?start=/p/${i % 50}&${r7}`,
    ],
    [
      'GET /api/stats/paths?end=, 30 days, depth 4',
      (i) => `/api/stats/paths?end=/p/${i % 50}&${r30}`,
    ],
    ['GET /api/stats/health', () => '/api/stats/health'],
    ['GET /api/stats/live, last 50', () => '/api/stats/live'],
    [
      'GET /api/stats/live?since= (polling)',
      () => `/api/stats/live${cursor ? `?since=${cursor}` : ''}`,
    ],
    ['GET /api/stats/live?user_id=', (i) => `/api/stats/live?user_id=u${i}`],
    ['GET /api/admin/partner-tokens', () => '/api/admin/partner-tokens'],
  ]
  const loadBefore = loadavg()[0].toFixed(1)
  const results = []
  for (const [label, path, bearer = ADMIN] of endpoints.filter(
    ([label]) => !args.only || label.includes(args.only),
  )) {
    const headers = { authorization: `Bearer ${bearer}` }
    const call = async (i) => {
      const t = performance.now()
      const response = await fetch(running.url + path(i), { headers })
      const body = await response.json()
      if (body.cursor) cursor = body.cursor
      return { ms: performance.now() - t, status: response.status }
    }
    const first = await call(runs)
    const times = []
    const statuses = {}
    for (let i = 0; i < runs; i++) {
      const { ms, status } = await call(i)
      times.push(ms)
      statuses[status] = (statuses[status] ?? 0) + 1
    }
    const result = {
      label,
      first: first.ms,
      p50: median(times),
      p95: quantile(times, 0.95),
      max: Math.max(...times),
      statuses,
    }
    results.push(result)
    log(
      `${label}: first ${result.first.toFixed(1)} ms, p50 ${result.p50.toFixed(1)}, p95 ${result.p95.toFixed(1)}`,
    )
  }

  // An error answer is no answer, however fast: it misses the goal.
  const answered = (r) => Object.keys(r.statuses).every((status) => status === '200')

  // ---- report (the whole table only) ----
  if (!args.only) {
    const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1))
    const lines = [
      START,
      '',
      '## The dashboard’s stats API over many events (issue 12)',
      '',
      `Produced by \`npm run build && node bench/dashboardApi.mjs --rows ${rows} --runs ${runs}\` on ${new Date().toISOString().slice(0, 10)} (${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${loadBefore} when the calls began, ${loadavg()[0].toFixed(1)} at the end).`,
      '',
      `Embedded store (chdb), ${Number(c).toLocaleString('en-US')} synthetic events inserted by one \`INSERT … SELECT FROM numbers(${rows})\` in ${insertSec.toFixed(1)} s: bench/server.mjs's mix plus reward claims and unknown \`promo_open\` events, 2 apps (70/30), 3 platforms, ${(rows / SESSION_EVENTS).toLocaleString('en-US')} sessions of ${SESSION_EVENTS} events a minute or so apart (one person, app and platform each, as the SDK's sessions; pages drawn uniformly from 50, so nearly every path is distinct — the hard case for paths), 3 SDK versions, 100,000 people of whom one in five logs in half-way through (20,000 identity links), uniform over the last 30 days; plus 20,000 page views received in the last 50 minutes; every event stored (\`stored_at\`) 0.2 s after it was received, as a month of traffic would be, not at the minute of the insert. Then the server restarted: its warm-up (overview of the last 7 and 30 days, deliveries and actions of 7 days, the paths builds of 7 and 30 days) was done ${warmSec.toFixed(1)} s after the start began, and ClickHouse's background merges of the insert ${mergeSec.toFixed(1)} s after that (the calls start then). Each endpoint: one unmeasured first call ("first ms"), then ${runs} sequential calls over HTTP from the same process; ids and pages vary per call where the route takes one. Nothing was inserted during the calls, so the answer caches (overview) hold between calls.`,
      '',
      '| endpoint | first ms | p50 ms | p95 ms | max ms | statuses | p95 ≤ 300 ms |',
      '| --- | ---: | ---: | ---: | ---: | --- | --- |',
      ...results.map(
        (r) =>
          `| ${r.label} | ${f(r.first)} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.max)} | ${Object.entries(
            r.statuses,
          )
            .map(([s, n]) => `${s}: ${n}`)
            .join(', ')} | ${r.p95 <= 300 && answered(r) ? 'met' : '**missed**'} |`,
      ),
      '',
      END,
    ]
    const out = resolve(ROOT, args.out)
    let text = await readFile(out, 'utf8').catch(() => '')
    const section = lines.join('\n')
    const at = text.indexOf(START)
    if (at >= 0) text = text.slice(0, at) + section + text.slice(text.indexOf(END) + END.length)
    else if (text.includes(KEPT_MARKER)) text = `${text.trimEnd()}\n\n${section}\n`
    else text = `${text.trimEnd()}\n\n${KEPT_MARKER}\n\n${section}\n`
    await writeFile(out, text)
    log(`wrote ${args.out}`)
  }
  const missed = results.filter((r) => r.p95 > 300 || !answered(r))
  console.log(
    missed.length === 0
      ? `goal (p95 ≤ 300 ms for every endpoint): met by all ${results.length}`
      : `goal (p95 ≤ 300 ms for every endpoint): missed by ${missed.length} of ${results.length}: ${missed.map((r) => r.label).join('; ')}`,
  )
  if (missed.length > 0) process.exitCode = 2
} finally {
  await running?.close()
  if (!keptDir) await rm(dataDir, { recursive: true, force: true })
}
