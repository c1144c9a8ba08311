// Tabs of a plain-http origin, where browsers have no Web Locks (`navigator.locks` exists only
// in secure contexts): the sending tab is the holder of a lease in localStorage. Chromium counts
// 127.0.0.1 and localhost as secure, so the site is served as http://trackpoint.test, mapped
// to 127.0.0.1 by the resolver flag. A slow collector widens the window in which a second
// sender would put the same event_id on the wire twice.
import { readFileSync } from 'node:fs'
import type { Browser, Page } from '@playwright/test'
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../scripts/chromium.mjs'
import { expect, test } from './support/fixtures'
import type { Site } from './support/site'
import {
  expectDeliveredOnce,
  markers,
  openTracker,
  posts,
  requestsCarrying,
  trackCards,
} from './support/tracker'

const HOST = 'trackpoint.test'

test.use({
  collectorDelayMs: 200,
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
  },
})

/** The same test site, reached through a name Chromium does not treat as a secure context. */
const insecure = (site: Site): Site => ({
  ...site,
  trackerUrl: (options, csp) => site.trackerUrl(options, csp).replace('127.0.0.1', HOST),
})

const options = { batchSize: 5, flushInterval: 250 }

/** Who holds the sending-tab lease, as `page` reads it (each tab has an id of its own). */
const leaseHolder = (page: Page) =>
  page.evaluate(() => localStorage.getItem('trackpoint:e2e_app:sender')?.split(' ')[0])

/** Opens the tracker page on the insecure origin and checks it really has no Web Locks. */
async function openInsecure(page: Page, site: Site, collector: Parameters<typeof openTracker>[2]) {
  await openTracker(page, insecure(site), collector, options)
  const context = await page.evaluate(() => ({
    origin: location.origin,
    secure: isSecureContext,
    locks: typeof navigator.locks,
  }))
  expect(context).toEqual({
    origin: expect.stringMatching(new RegExp(`^http://${HOST}:\\d+$`)),
    secure: false,
    locks: 'undefined',
  })
}

test('two tabs on plain http deliver every event once and never send an event_id in two requests at a time', async ({
  context,
  page,
  site,
  collector,
}) => {
  await openInsecure(page, site, collector)
  // A tab leads a beat (5 s) after it took the lease: go on once the first one sends.
  const first = markers('first', 1)
  await trackCards(page, first)
  await expectDeliveredOnce(collector, first)

  // The collector is down: the first tab's events stay stored while a second tab opens. A
  // second sender would load them from the shared store and send them too.
  collector.setMode('down503')
  const cardsA = markers('tab-a', 40)
  await trackCards(page, cardsA.slice(0, 20))
  const other = await context.newPage()
  await openInsecure(other, site, collector)
  const cardsB = markers('tab-b', 40)
  await Promise.all([
    trackCards(page, cardsA.slice(20), { spacingMs: 15 }),
    trackCards(other, cardsB.slice(0, 20), { spacingMs: 15 }),
  ])
  collector.setMode('up')
  // Spread over ~0.6 s so tracking overlaps the 200 ms requests.
  await trackCards(other, cardsB.slice(20), { spacingMs: 30 })

  const all = [...first, ...cardsA, ...cardsB]
  await expectDeliveredOnce(collector, all)
  // Whatever either tab still holds goes out now; none of it may be a repeat.
  await Promise.all([page, other].map((tab) => tab.evaluate(() => window.tracker.flush())))
  await expectDeliveredOnce(collector, all)

  expect(posts(collector).length, 'the events went in several requests').toBeGreaterThan(2)
  expect(collector.concurrentDuplicates, 'event_ids in two in-flight requests at once').toEqual([])
})

test('when the sending tab closes, the other takes over and sends what it tracks after', async ({
  context,
  page,
  site,
  collector,
}) => {
  const other = await context.newPage()
  await openInsecure(page, site, collector)
  await openInsecure(other, site, collector)
  const before = markers('before', 10)
  await trackCards(other, before)
  await expectDeliveredOnce(collector, before)

  // The first tab took the lease first: it is the sender. Closing it fires `pagehide`.
  const holder = await leaseHolder(other)
  await page.close()
  const after = markers('after', 10)
  await trackCards(other, after)
  await expectDeliveredOnce(collector, [...before, ...after])
  expect(await leaseHolder(other), 'the lease changed hands').not.toBe(holder)
  expect(collector.concurrentDuplicates).toEqual([])
})

/**
 * Kills the renderer process of `page` with SIGKILL, as a crash would end it: no `pagehide`,
 * nothing released. CDP's Page.crash takes the whole headless browser down here, so the
 * process is found instead: the page grows a 128 MB ballast and is the renderer of this
 * browser with the largest resident set.
 */
async function killRenderer(browser: Browser, page: Page): Promise<void> {
  await page.evaluate(() => {
    ;(window as unknown as { ballast: Uint8Array }).ballast = new Uint8Array(128 << 20).fill(1)
  })
  const cdp = await browser.newBrowserCDPSession()
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[]
  }
  const rss = (pid: number) =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  const [pid] = processInfo
    .filter((info) => info.type === 'renderer')
    .map((info) => info.id)
    .sort((a, b) => rss(b) - rss(a))
  const crashed = page.waitForEvent('crash')
  process.kill(pid!, 'SIGKILL')
  await crashed
}

test('when the sending tab crashes, the other takes over once the lease lapsed', async ({
  browser,
  context,
  page,
  site,
  collector,
}) => {
  test.setTimeout(90_000)
  const other = await context.newPage()
  await openInsecure(page, site, collector)
  await openInsecure(other, site, collector)
  const before = markers('before', 10)
  await trackCards(other, before)
  await expectDeliveredOnce(collector, before)
  const holder = await leaseHolder(other)

  await killRenderer(browser, page)
  const crashedAt = Date.now()
  expect(await leaseHolder(other), 'the crashed tab’s lease is still stored').toBe(holder)

  const after = markers('after', 10)
  await trackCards(other, after)
  await expectDeliveredOnce(collector, [...before, ...after], 45_000)
  expect(await leaseHolder(other), 'the lease changed hands').not.toBe(holder)
  // The lease lasts 15 s from its last renewal; a beat (5 s) to take it, one to lead; then
  // the send itself (flushInterval, the collector's delay).
  const firstSend = Math.min(...requestsCarrying(collector, after).map((request) => request.at))
  expect(firstSend - crashedAt, 'took over within a lease and two beats').toBeLessThan(27_000)
  expect(collector.concurrentDuplicates).toEqual([])
})
