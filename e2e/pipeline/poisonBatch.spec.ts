// Scenario 7 of issue 11: a poison batch between ordinary traffic — events with implausible
// timestamps, and rows ClickHouse refuses (a lone UTF-16 surrogate in `page`, which passes the
// tracking plan but not ClickHouse's parser). The ordinary events are all counted; the bad
// times are refused by the collector with a reason, the refused rows are dead-lettered with
// ClickHouse's reason, and the consumer's lag returns to zero.
import { randomUUID } from 'node:crypto'
import { expect, test } from '@playwright/test'
import { computeSign } from '@trackpoint/core'
import { readDeadLetters } from './support/deadLetters'
import { Ledger } from './support/ledger'
import type { LedgerEvent } from './support/expectedStats'
import { waitForZeroLag } from './support/metrics'
import { openUsers, usePipeline } from './support/usePipeline'
import { startTraffic, trafficDone } from './support/traffic'
import { waitUntil } from './support/waitUntil'

const USERS = 2
const EVENTS = 300
const pl = usePipeline({
  brokerPort: 23092,
  trackerOptions: { flushInterval: 500 },
})

// uuidv7-shaped ids are not needed: the store's column is a UUID, any v4 fits.
const event = (overrides: Partial<LedgerEvent>): LedgerEvent => ({
  event_id: randomUUID(),
  event_name: 'page_view',
  user_id: 'poison-sender',
  timestamp: Date.now(),
  page: '/poison',
  properties: { page_name: 'poison' },
  ...overrides,
})

test('a poison batch: ordinary events all counted, bad ones refused or dead-lettered, lag back to zero', async ({
  browser,
}) => {
  test.setTimeout(300_000)
  const ledger = new Ledger()
  const { pipeline, site } = pl
  const pages = await openUsers(browser, ledger, site.url, USERS)
  for (const page of pages) await startTraffic(page, { count: EVENTS, everyMs: 30, tag: 'p7' })
  const { proxy, consumer } = pipeline
  const acknowledged = () => proxy.requests.reduce((n, r) => n + r.acknowledged.length, 0)
  await waitUntil(() => acknowledged() >= 60, { timeout: 30_000, what: '60 acknowledged events' })

  // The poison batch, signed like the SDK's, through the same proxy (so its answer is recorded).
  const ordinary = Array.from({ length: 5 }, () => event({}))
  const badTimes = [
    event({ timestamp: Date.UTC(2200, 0, 1) }),
    event({ timestamp: Date.now() - 200 * 86_400_000 }),
    event({ timestamp: Date.now() + 3 * 3600_000 }),
  ]
  const refusedRows = Array.from({ length: 3 }, (_, i) => event({ page: `/page-${i}-\ud83d` }))
  const batch = [ordinary[0]!, ...badTimes, ordinary[1]!, ...refusedRows, ...ordinary.slice(2)]
  const timestamp = Date.now()
  const response = await fetch(`${proxy.url}/api/v1/track`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      app_id: 'dev_app',
      timestamp,
      sign: computeSign('dev_app', timestamp, 'dev_secret'),
      sdk_version: 'poison-test',
      events: batch.map((e) => ({ ...e, platform: 'web', session_id: 'poison-session' })),
    }),
  })
  expect(response.status).toBe(200)
  const answer = (await response.json()) as {
    rejected: { event_index: number; errors: { code: string }[] }[]
  }
  // The collector refused the implausible times on their own, with a reason each.
  expect(
    answer.rejected.map((r) => [batch[r.event_index]!.event_id, r.errors.map((e) => e.code)]),
  ).toEqual([
    [badTimes[0]!.event_id, ['timestamp_in_future']],
    [badTimes[1]!.event_id, ['timestamp_too_old']],
    [badTimes[2]!.event_id, ['timestamp_in_future']],
  ])
  for (const e of ordinary) ledger.record(e, 'poison-sender')

  for (const page of pages) await trafficDone(page, EVENTS)
  // The refused rows reach the dead-letter topic with ClickHouse's reason.
  const letters = await readDeadLetters(pipeline.broker.brokers, refusedRows.length, 60_000)
  expect(letters.map((l) => l.eventId).sort()).toEqual(refusedRows.map((e) => e.event_id).sort())
  for (const letter of letters) expect(letter.reason).toMatch(/^store_refused: .*escape sequence/i)
  // The consumer went past them: its lag returns to zero.
  await waitForZeroLag(consumer.url, { timeout: 60_000 })

  const accounts = await pipeline.settle(ledger, {
    timeout: 60_000,
    mustNotStore: [...badTimes, ...refusedRows].map((e) => e.event_id),
  })
  const tracked = ledger.events().length
  for (const page of pages) await page.context().close()
  console.log(`[poison] ${JSON.stringify({ ...accounts, problems: accounts.problems.length })}`)
  expect(accounts.problems).toEqual([])
  expect(accounts.tracked).toBe(tracked)
})
