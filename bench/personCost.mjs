// What counting people (issue 14) costs the stats API: the same data and queries with the
// identity links present and with them removed, alternating rounds in one process (the machine
// is shared: only ratios measured side by side mean something).
//
//   npm run build && node bench/personCost.mjs [--rows=2000000] [--runs=15] [--rounds=3]
//
// Data: `rows` synthetic events over the last 30 days (as bench/server.mjs part 4: 40 % page
// views, 45 % recommendation events on 1,000 deliveries, 100k users), where a third of the users
// have an anonymous device id (sent on every event; a tenth of their events before login, under
// it as user_id too), and one link
// event each. Per round and state, each query runs `runs` times (a different delivery each run;
// the overview with one page view stored for today before each run, so it merges today and
// applies the people correction every time, as under live traffic). Prints medians in ms.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const arg = (name, fallback) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const ROWS = arg('rows', 2_000_000)
const RUNS = arg('runs', 15)
const ROUNDS = arg('rounds', 3)
const DAY = 86_400_000
const ADMIN = 'bench_admin'

const server = await import(join(ROOT, 'server-stub/dist/index.mjs'))
const dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-bench-person-'))
const running = await server.startServer({
  config: server.loadConfig({
    TRACKPOINT_DATA_DIR: dataDir,
    PORT: '0',
    TRACKPOINT_ADMIN_TOKEN: ADMIN,
  }),
  logger: { info() {}, warn() {}, error() {}, debug() {} },
})
const store = running.store
try {
  const now = Date.now()
  const from = now - 30 * DAY
  // A user u with cityHash64(u) % 3 = 0 has the device id 'anon-u'; a tenth of their events
  // were sent before login, under it.
  await store.command(`INSERT INTO events (event_id, event_name, user_id, anonymous_id, timestamp,
      app_id, platform, page, session_id, properties, client_ip, received_at, sdk_version, app_version)
    SELECT id, name, if(anon != '' AND cityHash64(number, 7) % 10 = 0, anon, user), anon, ts,
      'dev_app', 'web', page, 's', props, '127.0.0.1', now64(3), 'bench', ''
    FROM (
      SELECT number, generateUUIDv4(number) AS id,
        multiIf(number % 100 < 40, 'page_view', number % 100 < 70, 'recommend_impression',
          number % 100 < 80, 'recommend_click', number % 100 < 85, 'recommend_complete',
          'card_click') AS name,
        concat('u', toString(cityHash64(number, 1) % 100000)) AS user,
        if(cityHash64(user) % 3 = 0, concat('anon-', user), '') AS anon,
        fromUnixTimestamp64Milli(toInt64(${from} + cityHash64(number, 2) % ${30 * DAY}), 'UTC') AS ts,
        concat('/p/', toString(cityHash64(number, 5) % 50)) AS page,
        if(startsWith(name, 'recommend_'),
          concat('{"delivery_id":"d', toString(cityHash64(number, 3) % 1000), '","content_type":"a","action_id":"x"}'),
          '{}') AS props
      FROM numbers(${ROWS})
    )`)
  // One link per device (user_identify), which feeds identity_links through its view.
  await store.command(`INSERT INTO events (event_id, event_name, user_id, anonymous_id, timestamp,
      app_id, platform, page, session_id, properties, client_ip, received_at, sdk_version, app_version)
    SELECT generateUUIDv4(), 'user_identify', user, concat('anon-', user),
      fromUnixTimestamp64Milli(toInt64(${from}), 'UTC'), 'dev_app', 'web', '/', 's', '{}', '', now64(3), 'bench', ''
    FROM (SELECT concat('u', toString(number)) AS user FROM numbers(100000)) WHERE cityHash64(user) % 3 = 0`)
  const links = await store.query('SELECT anonymous_id, first_link FROM identity_links')
  const [{ linked }] = await store.query(
    "SELECT uniqExact(user_id) AS linked FROM events WHERE user_id LIKE 'anon-%'",
  )
  console.log(`${ROWS} events, ${links.length} links, ${linked} anonymous ids with events`)

  const day = (t) => new Date(t).toISOString().slice(0, 10)
  const get = async (path) => {
    const t0 = performance.now()
    const response = await fetch(`${running.url}${path}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    })
    const body = await response.json()
    if (response.status !== 200)
      throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`)
    return [performance.now() - t0, body]
  }
  const range = `from=${day(from)}&to=${day(now)}`
  const queries = {
    delivery: (i) => `/api/stats/delivery/d${(i * 389) % 1000}?${range}`,
    overview: () => `/api/stats/overview?${range}`,
    // Every delivery of a week (the dashboard's list): all recommendation events of 7 days.
    deliveries: () => `/api/stats/deliveries?from=${day(now - 6 * DAY)}&to=${day(now)}`,
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const times = {
    links: { delivery: [], overview: [], deliveries: [] },
    none: { delivery: [], overview: [], deliveries: [] },
  }
  const answers = {}
  const setLinks = async (present) => {
    await store.command('TRUNCATE TABLE identity_links')
    if (present) await store.insert('identity_links', links)
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const state of round % 2 ? ['none', 'links'] : ['links', 'none']) {
      await setLinks(state === 'links')
      for (const [name, path] of Object.entries(queries)) {
        await get(path(0)) // unmeasured: builds the snapshot of the state
        for (let i = 0; i < RUNS; i += 1) {
          if (name === 'overview') {
            await store.insert('events', [
              {
                event_id: crypto.randomUUID(),
                event_name: 'page_view',
                user_id: `live-${round}-${i}`,
                timestamp: Date.now(),
                page: '/p/1',
                properties: '{}',
                received_at: Date.now(),
              },
            ])
          }
          const [ms, body] = await get(path(i))
          times[state][name].push(ms)
          answers[`${state} ${name}`] =
            name === 'overview'
              ? `uv ${body.uv}`
              : name === 'deliveries'
                ? `viewed_users summed ${body.deliveries.reduce((sum, d) => sum + d.viewed_users, 0)}`
                : `viewed_users ${body.viewed_users}`
        }
      }
    }
  }
  console.log('| query | links removed: p50 ms | links present: p50 ms | ratio | answers |')
  console.log('| --- | ---: | ---: | ---: | --- |')
  for (const name of Object.keys(queries)) {
    const none = median(times.none[name])
    const withLinks = median(times.links[name])
    console.log(
      `| ${name} | ${none.toFixed(1)} | ${withLinks.toFixed(1)} | ${(withLinks / none).toFixed(2)} | ${answers[`none ${name}`]} → ${answers[`links ${name}`]} |`,
    )
  }
} finally {
  await running.close()
  await rm(dataDir, { recursive: true, force: true })
}
