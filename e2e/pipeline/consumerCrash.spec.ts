// Scenario 5 of issue 11: the consumer process (with the stats role and its ClickHouse engine)
// is SIGKILLed while it has events read from Kafka but not committed, and restarted. It
// replays from the last committed offset: nothing is lost and nothing is counted twice.
import { expect, test } from '@playwright/test'
import { Ledger } from './support/ledger'
import { metricSum, readMetrics } from './support/metrics'
import { openUsers, usePipeline } from './support/usePipeline'
import { startTraffic, stopTraffic, trafficDone } from './support/traffic'
import { waitUntil } from './support/waitUntil'

const USERS = 2
/**
 * Traffic lasts until the last kill (stopped then), bounded by this many events per page (4 min
 * at one per 12 ms): with a fixed 1,500 (18 s), a machine slow to restart the consumer let the
 * traffic end before the third kill, and the consumer, caught up, never lagged again.
 */
const MAX_EVENTS = 20_000
/** Each page tracks at least this many before the traffic may stop. */
const MIN_EVENTS = 1500
const KILLS = 3
const pl = usePipeline({
  brokerPort: 23096,
  trackerOptions: { flushInterval: 300 },
})

test('a consumer SIGKILLed mid-batch and restarted loses nothing and counts nothing twice', async ({
  browser,
}) => {
  test.setTimeout(300_000)
  const ledger = new Ledger()
  const { pipeline, site } = pl
  const pages = await openUsers(browser, ledger, site.url, USERS)
  for (const page of pages) await startTraffic(page, { count: MAX_EVENTS, everyMs: 12, tag: 'c5' })
  // Kill it while it has stored batches and has more in hand (consumed-but-uncommitted
  // messages: lag > 0 after an insert), three times while the pages keep tracking.
  const { consumer } = pipeline
  for (let kill = 0; kill < KILLS; kill++) {
    await waitUntil(
      async () => {
        const text = await readMetrics(consumer.url)
        return (
          metricSum(text, 'trackpoint_consumer_insert_seconds_count') >= 1 &&
          metricSum(text, 'trackpoint_consumer_lag_messages') > 0
        )
      },
      {
        timeout: 60_000,
        interval: 50,
        what: `the consumer to have inserted and to lag (kill ${kill + 1})`,
      },
    )
    await consumer.kill()
    await consumer.restart()
  }
  // At least MIN_EVENTS per page, then stop, and let each page finish tracking what it sent.
  for (const page of pages) await trafficDone(page, MIN_EVENTS, 240_000)
  const sent: number[] = []
  for (const page of pages) sent.push(await stopTraffic(page))
  for (const [i, page] of pages.entries()) await trafficDone(page, sent[i]!)

  const accounts = await pipeline.settle(ledger, { timeout: 120_000 })
  const tracked = ledger.events().length
  for (const page of pages) await page.context().close()
  console.log(
    `[consumer crash] ${JSON.stringify({ ...accounts, problems: accounts.problems.length })}`,
  )
  expect(accounts.problems).toEqual([])
  expect(accounts.tracked).toBe(tracked)
  expect(tracked).toBeGreaterThanOrEqual(sent.reduce((a, b) => a + b, 0) + USERS)
})
