// Scenario 9 of issue 11 (§六): a recommend_impression / recommend_click counts once per (user,
// delivery) within 24 h and again after 24 h — with the clock injected, not waited for.
//
// Where time comes from: §六 is applied when the stats are read, over the stored event times
// (docs/server.md), and an event's stored time is the page's timestamp corrected by the SDK
// with the offset it measures against the collector's clock (`clock_offset`, checked against
// the collector's accepted window). So the clock to inject is the collector's: its process
// runs under libfaketime (Debian `faketime`, LD_PRELOAD) with its offset read from a file on
// every call, which the test rewrites: +0 h, +1 h, +25 h. The collector stamps Kafka messages
// with its clock, and a broker refuses timestamps over an hour ahead of its own
// (message.timestamp.after.max.ms): this test's broker is told to take two days. The page learns each new server time
// from the collector's answers (a 401 `stale_timestamp` carries it) and its events are stored
// at the collector's time. The consumer and stats process keeps the real clock.
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { Ledger } from './support/ledger'
import { startPipeline, type Pipeline } from './support/pipeline'
import { startPipelineSite, type PipelineSite } from './support/pipelineSite'
import { waitUntil } from './support/waitUntil'

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1'
const HOUR = 3600_000
let pipeline: Pipeline
let site: PipelineSite
let clockDir: string
let clockFile: string

test.beforeAll(async () => {
  if (!existsSync(LIBFAKETIME)) {
    throw new Error(`${LIBFAKETIME} is missing: apt-get install faketime (.ci/run does)`)
  }
  clockDir = await mkdtemp(join(tmpdir(), 'trackpoint-clock-'))
  clockFile = join(clockDir, 'offset')
  await writeFile(clockFile, '+0h\n')
  pipeline = await startPipeline({
    brokerPort: 23092,
    collectorEnv: {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: clockFile,
      FAKETIME_NO_CACHE: '1',
      // Timers and the event loop keep the real monotonic clock.
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
  })
  await pipeline.broker.setTopicConfig('tracking_events', [
    'message.timestamp.after.max.ms=172800000',
  ])
  site = await startPipelineSite('script-tag', pipeline.endpoint, { flushInterval: 300 })
})
test.afterAll(async () => {
  await site?.close()
  await pipeline?.close()
  if (clockDir) await rm(clockDir, { recursive: true, force: true })
})

test('duplicate impressions and clicks count once within 24 h and again after 24 h', async ({
  browser,
}) => {
  test.setTimeout(420_000)
  const ledger = new Ledger()
  const context = await browser.newContext()
  await ledger.watch(context, 'user')
  const page = await context.newPage()
  await page.goto(site.url)
  await page.waitForFunction(() => 'tracker' in window)
  const acked = () => new Set(pipeline.proxy.requests.flatMap((r) => r.acknowledged))
  // The page view of the load goes out at the real time, before the clock moves.
  await waitUntil(
    () => ledger.events().length > 0 && ledger.events().every((e) => acked().has(e.event_id)),
    { timeout: 30_000, what: 'the page view to be acknowledged' },
  )

  // Hours the collector's clock is ahead. (Not behind: a clock stepped back makes the
  // collector's per-IP token bucket refuse every request, 429 rate_limited_ip, until the clock
  // catches up — a finding of this scenario.)
  const phases = [0, 1, 25]
  const storedAt = new Map<string, number>()
  for (const hours of phases) {
    await writeFile(clockFile, `${hours < 0 ? '' : '+'}${hours}h\n`)
    const before = new Set(ledger.events().map((e) => e.event_id))
    await page.evaluate(() => {
      const { tracker } = window as unknown as { tracker: { track(n: string, p: object): void } }
      const props = { delivery_id: 'dlv_clock', content_type: 'action' }
      tracker.track('recommend_impression', props)
      tracker.track('recommend_click', props)
    })
    const mine = () => ledger.events().filter((e) => !before.has(e.event_id))
    // Longer than the SDK's longest back-off (maxRetryDelay, 60 s): one refused attempt after the
    // clock moved (CI once waited out 30 s here) must not fail the scenario.
    await waitUntil(() => mine().length >= 2 && mine().every((e) => acked().has(e.event_id)), {
      timeout: 90_000,
      what: `the events of ${hours} h to be acknowledged`,
    })
    // The ledger keeps the time the collector gave them: the page's own plus the offset.
    for (const e of mine()) {
      e.timestamp += hours * HOUR
      storedAt.set(e.event_id, e.timestamp)
    }
  }
  const accounts = await pipeline.settle(ledger, { timeout: 60_000 })
  console.log(
    `[dedup window] ${JSON.stringify({ ...accounts, problems: accounts.problems.length })}`,
  )
  expect(accounts.problems).toEqual([])

  // The stored times are the collector's (within the SDK's 10 s tolerance) …
  const rows = await pipeline.readStored()
  for (const row of rows.filter((r) => storedAt.has(r.event_id))) {
    expect(Math.abs(row.timestamp - storedAt.get(row.event_id)!)).toBeLessThan(15_000)
  }
  // … and §六 counts the impression and click at +0 h and +25 h, not those at +1 h.
  const delivery = await pipeline.stats('/api/stats/delivery/dlv_clock')
  const daily = delivery.daily_stats as { views: number; clicks: number }[]
  const total = (field: 'views' | 'clicks') => daily.reduce((sum, day) => sum + day[field], 0)
  expect([total('views'), total('clicks')]).toEqual([2, 2])
  expect([delivery.viewed_users, delivery.clicked_users]).toEqual([1, 1])
  await context.close()
})
