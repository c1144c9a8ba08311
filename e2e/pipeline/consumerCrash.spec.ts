// Scenario 5 of issue 11: the consumer process (with the stats role and its ClickHouse engine)
// is SIGKILLed while it has events read from Kafka but not committed, and restarted. It
// replays from the last committed offset: nothing is lost and nothing is counted twice.
import { expect, test } from '@playwright/test'
import { Ledger } from './support/ledger'
import { metricSum, readMetrics } from './support/metrics'
import { openUsers, usePipeline } from './support/usePipeline'
import { startTraffic, trafficDone } from './support/traffic'
import { waitUntil } from './support/waitUntil'

const USERS = 2
const EVENTS = 1500
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
  for (const page of pages) await startTraffic(page, { count: EVENTS, everyMs: 12, tag: 'c5' })
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
  for (const page of pages) await trafficDone(page, EVENTS)

  const accounts = await pipeline.settle(ledger, { timeout: 120_000 })
  const tracked = ledger.events().length
  for (const page of pages) await page.context().close()
  console.log(
    `[consumer crash] ${JSON.stringify({ ...accounts, problems: accounts.problems.length })}`,
  )
  expect(accounts.problems).toEqual([])
  expect(accounts.tracked).toBe(tracked)
  expect(tracked).toBeGreaterThanOrEqual(USERS * EVENTS + USERS)
})
