// Scenario 4 of issue 11: the Kafka broker is SIGKILLed while two users' pages track, and
// restarted. No event that got a 2xx is lost; the events refused meanwhile (503) are kept by
// the SDK and arrive once the broker is back; nothing is counted twice.
import { expect, test } from '@playwright/test'
import { Ledger } from './support/ledger'
import { openUsers, usePipeline } from './support/usePipeline'
import { startTraffic, trafficDone } from './support/traffic'
import { waitUntil } from './support/waitUntil'

const USERS = 2
const EVENTS = 240
// Retries are capped at 10 s (default 60 s) so that the test ends soon after the broker is
// back; the SDK's schedule is otherwise its default.
const pl = usePipeline({
  brokerPort: 23094,
  trackerOptions: { flushInterval: 500, maxRetryDelay: 10_000 },
})

test('a broker SIGKILLed under traffic loses no acknowledged event, and the refused ones arrive', async ({
  browser,
}) => {
  test.setTimeout(300_000)
  const ledger = new Ledger()
  const { pipeline, site } = pl
  const pages = await openUsers(browser, ledger, site.url, USERS)
  for (const page of pages) await startTraffic(page, { count: EVENTS, everyMs: 40, tag: 'k4' })
  const acknowledged = () => pipeline.proxy.requests.reduce((n, r) => n + r.acknowledged.length, 0)
  await waitUntil(() => acknowledged() >= 60, { timeout: 30_000, what: '60 acknowledged events' })

  await pipeline.broker.kill()
  const killedAt = Date.now()
  // The collector notices: it answers 503 (+ Retry-After) instead of acknowledging.
  await waitUntil(() => pipeline.proxy.requests.some((r) => r.at >= killedAt && r.status === 503), {
    timeout: 60_000,
    what: 'a 503 from the collector after the broker died',
  })
  for (const page of pages) await trafficDone(page, EVENTS)
  await pipeline.broker.restart()
  // The pages still hold what was refused: they send it once the collector takes it again.
  const accounts = await pipeline.settle(ledger, { timeout: 150_000 })
  const tracked = ledger.events().length
  // Closing tracks page_duration and web vitals: after the accounts, so not part of them.
  for (const page of pages) await page.context().close()

  const refusedIds = new Set(
    pipeline.proxy.requests.filter((r) => r.status === 503).flatMap((r) => r.eventIds),
  )
  console.log(
    `[broker crash] ${JSON.stringify({ ...accounts, problems: accounts.problems.length, refusedEvents: refusedIds.size })}`,
  )
  expect(accounts.problems).toEqual([])
  expect(accounts.tracked).toBe(tracked)
  expect(tracked).toBeGreaterThanOrEqual(USERS * EVENTS + USERS) // + each page's page_view
  // The fault really refused events, and each of them was stored after all (balance above).
  expect(refusedIds.size).toBeGreaterThan(0)
})
