// Scenario 3 of issue 11, through the scaled pipeline: pages closed right after a burst; a
// reload with unsent events in IndexedDB; two tabs of one app tracking at once, with Web Locks
// (127.0.0.1 is a secure context) and without (plain http on a name, where `navigator.locks`
// does not exist and the SDK elects its sending tab with a localStorage lease).
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { expect, test } from '@playwright/test'
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs'
import { Ledger } from './support/ledger'
import { startPipeline, type Pipeline } from './support/pipeline'
import { startPipelineSite, type PipelineSite } from './support/pipelineSite'
import { startTraffic, trafficDone } from './support/traffic'
import { waitUntil } from './support/waitUntil'

const INSECURE_HOST = 'trackpoint.test'
test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`],
  },
})

let pipeline: Pipeline
let site: PipelineSite
let ledger: Ledger

// A pipeline (and a store) per test: what a test's pages track as they finally go away cannot
// end up in the next test's accounts.
test.beforeEach(async () => {
  ledger = new Ledger()
  pipeline = await startPipeline({ brokerPort: 23094 })
  site = await startPipelineSite('script-tag', pipeline.endpoint, { flushInterval: 500 })
})
test.afterEach(async () => {
  await site?.close()
  await pipeline?.close()
})

async function openUser(browser: Browser, label: string): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext()
  await ledger.watch(context, label)
  const page = await context.newPage()
  await page.goto(site.url)
  await page.waitForFunction(() => 'tracker' in window)
  return [context, page]
}

/** Tracks `count` distinct events synchronously, in one task. */
const burst = (page: Page, tag: string, count: number) =>
  page.evaluate(
    ({ tag, count }) => {
      const { tracker } = window as unknown as { tracker: { track(n: string, p: object): void } }
      for (let i = 0; i < count; i++) tracker.track('navbar_click', { target: `${tag}_${i}` })
    },
    { tag, count },
  )

async function expectBalanced(name: string) {
  const accounts = await pipeline.settle(ledger, { timeout: 90_000 })
  console.log(`[${name}] ${JSON.stringify({ ...accounts, problems: accounts.problems.length })}`)
  expect(accounts.problems).toEqual([])
}

/** Every event `label` tracked so far has been acknowledged. */
const allAcknowledged = (label: string) => {
  const acked = new Set(pipeline.proxy.requests.flatMap((r) => r.acknowledged))
  return ledger.of(label).every((e) => acked.has(e.event_id))
}

test('pages closed right after a burst: every event arrives once, at the latest on the next visit', async ({
  browser,
}) => {
  test.setTimeout(240_000)
  const late: number[] = []
  await Promise.all(
    Array.from({ length: 3 }, async (_, i) => {
      const label = `closed-${i}`
      const [context, page] = await openUser(browser, label)
      await burst(page, label, 40)
      // At once: the queue has not been sent yet; the exit beacon carries it.
      await page.close({ runBeforeUnload: true })
      const closedAt = Date.now()
      // The user comes back: whatever the closed page could not hand over waits in IndexedDB
      // and is sent by this page. Then the user leaves once everything is acknowledged.
      const back = await context.newPage()
      await back.goto(site.blankUrl)
      await ledger.readJournal(back, label)
      expect(ledger.of(label, 'navbar_click')).toHaveLength(40)
      const tracked = new Set(ledger.of(label).map((e) => e.event_id))
      await back.goto(site.url)
      await waitUntil(() => allAcknowledged(label), {
        timeout: 60_000,
        what: `${label}'s events to be acknowledged`,
      })
      // Events of the closed page first acknowledged on the next visit (a finding, not a
      // loss). Those its beacon carried are sent again too, to confirm (replays, harmless).
      const ackedBefore = new Set(
        pipeline.proxy.requests.filter((r) => r.at <= closedAt).flatMap((r) => r.acknowledged),
      )
      late.push([...tracked].filter((id) => !ackedBefore.has(id)).length)
      await back.goto(site.blankUrl)
      await ledger.readJournal(back, label)
      await context.close()
    }),
  )
  console.log(`[closed after a burst] events delivered only by the next visit: ${late.join(', ')}`)
  await expectBalanced('closed after a burst')
})

test('a reload with unsent events in IndexedDB: they are sent by the next page, once', async ({
  browser,
}) => {
  test.setTimeout(240_000)
  const { proxy } = pipeline
  const [context, page] = await openUser(browser, 'reload')
  const since = Date.now()
  proxy.setMode({ kind: 'answer', status: 503, retryAfterSeconds: 2 })
  let reloadAt = 0
  try {
    await burst(page, 'reload', 25)
    // The page tried and was refused: the events wait in IndexedDB.
    await waitUntil(
      () => proxy.requests.some((r) => r.at >= since && r.method === 'POST' && r.status === 503),
      { timeout: 30_000, what: 'a refused send before the reload' },
    )
    // The reload's exit beacon is refused too.
    reloadAt = Date.now()
    await page.reload()
    await page.waitForFunction(() => 'tracker' in window)
  } finally {
    proxy.setMode({ kind: 'forward' })
  }
  const burstIds = ledger.of('reload', 'navbar_click').map((e) => e.event_id)
  expect(burstIds).toHaveLength(25)
  const acked = () => new Set(proxy.requests.flatMap((r) => r.acknowledged))
  await waitUntil(() => burstIds.every((id) => acked().has(id)), {
    timeout: 60_000,
    what: 'the reloaded page to send the events the first one kept',
  })
  // What the first page tracked as it went away may still come with the next page's sends (its
  // write to IndexedDB ended in time): wait for the next page to be done before calling any lost.
  await waitUntil(() => allAcknowledged('reload'), {
    timeout: 10_000,
    what: 'every event of the reload to be acknowledged',
  }).catch(() => undefined)
  // FINDING (reported, not hidden): what the first page tracked while it went away (its
  // page_duration and web vitals, in the capture phase of pagehide) rode only in the exit
  // beacon, which the collector refused; they were not in IndexedDB for the next page. The
  // assertion pins that down to exactly those events; everything else is balanced below.
  const lostOnExit = ledger.of('reload').filter((e) => !acked().has(e.event_id))
  console.log(
    `[reload] FINDING: tracked on exit and lost with the refused beacon: ${JSON.stringify(lostOnExit.map((e) => e.event_name))}`,
  )
  for (const e of lostOnExit) {
    expect(['page_duration', 'web_vitals']).toContain(e.event_name)
    expect(e.timestamp).toBeGreaterThanOrEqual(reloadAt - 1000)
  }
  ledger.forget(lostOnExit.map((e) => e.event_id))
  await expectBalanced('reload')
  await context.close()
})

for (const [locks, host] of [
  ['with Web Locks', '127.0.0.1'],
  ['without Web Locks', INSECURE_HOST],
] as const) {
  test(`two tabs of one app tracking at once (${locks}): every event once`, async ({ browser }) => {
    test.setTimeout(240_000)
    const label = `tabs-${host}`
    const context = await browser.newContext()
    await ledger.watch(context, label)
    const url = site.url.replace('127.0.0.1', host)
    const tabs = await Promise.all([context.newPage(), context.newPage()])
    for (const tab of tabs) {
      await tab.goto(url)
      await tab.waitForFunction(() => 'tracker' in window)
    }
    const hasLocks = await tabs[0]!.evaluate(() => typeof navigator.locks !== 'undefined')
    expect(hasLocks).toBe(host === '127.0.0.1')
    for (const [i, tab] of tabs.entries()) {
      await startTraffic(tab, { count: 150, everyMs: 20, tag: `t${i}_${host.length}` })
    }
    for (const tab of tabs) await trafficDone(tab, 150)
    await expectBalanced(`two tabs ${locks}`)
    await context.close()
  })
}
