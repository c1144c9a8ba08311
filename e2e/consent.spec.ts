// Consent, opt-out, Global Privacy Control, the identity link and attribution (issue 14) in
// Chromium: what the page stores (its real IndexedDB and localStorage, read in the page) and
// what reaches the collector.
import type { Page } from '@playwright/test'
import { expect, test } from './support/fixtures'
import type { Collector } from './support/collector'
import { bundleIntegrity, startPageSite } from './support/pageSite'
import type { Site } from './support/site'
import {
  APP_ID,
  SECRET,
  cardIdOf,
  collectorQuiet,
  expectDeliveredOnce,
  markers,
  openTracker,
  storedCount,
  type PageTrackerOptions,
  trackCards,
} from './support/tracker'

interface ConsentTracker {
  optOut(): void
  optIn(): void
  setConsent(consent: 'granted' | 'denied'): void
  identify(userId: string): void
  readonly optedOut: boolean
  readonly consent: string
  readonly sessionId: string
}
/** The page's tracker with the consent API (the shared PageTracker type has only track/flush). */
const consentOf = (page: Page, call: (tracker: ConsentTracker) => unknown) =>
  page.evaluate(`(${call.toString()})(window.tracker)`)

/** Names of the origin's IndexedDB databases: none at all means nothing was ever stored. */
const databases = (page: Page) =>
  page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))

/** Records in all of the origin's IndexedDB databases and stores. */
const storedRecords = (page: Page) =>
  page.evaluate(async () => {
    const request = <T>(r: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
    let count = 0
    for (const { name } of await indexedDB.databases()) {
      const db = await request(indexedDB.open(name!))
      for (const store of Array.from(db.objectStoreNames))
        count += await request(db.transaction(store).objectStore(store).count())
      db.close()
    }
    return count
  })

/** The tracker's localStorage keys, without the `trackpoint:<app>:` prefix. */
const storedKeys = (page: Page) =>
  page.evaluate((prefix) => {
    const keys: string[] = []
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)!
      if (key.startsWith(prefix)) keys.push(key.slice(prefix.length))
    }
    return keys.sort()
  }, `trackpoint:${APP_ID}:`)

/** Flushes, then leaves the page (its exit beacons included), and waits for silence. */
const flushAndLeave = async (page: Page, collector: Collector, blankUrl: string) => {
  await page.evaluate(() => window.tracker.flush())
  await page.goto(blankUrl)
  await collectorQuiet(collector)
}

const fast = { batchSize: 1, flushInterval: 200 }

test('opted out: zero requests and nothing in IndexedDB, on this page and the next', async ({
  page,
  site,
  collector,
}) => {
  // Opened as most pages are, granted: it may open its IndexedDB queue before the opt-out.
  await openTracker(page, site, collector, fast)
  await consentOf(page, (t) => t.optOut())
  const cards = markers('opted-out', 5)
  await trackCards(page, cards)
  await flushAndLeave(page, collector, site.blankUrl)
  expect(collector.requests).toEqual([])
  expect(await storedRecords(page)).toBe(0)
  expect(await storedKeys(page)).toEqual(['consent'])

  await openTracker(page, site, collector, fast)
  expect(await consentOf(page, (t) => t.optedOut)).toBe(true)
  await trackCards(page, markers('next-page', 3))
  await flushAndLeave(page, collector, site.blankUrl)
  expect(collector.requests).toEqual([])
  expect(await storedRecords(page)).toBe(0)
})

test('optOut deletes the stored queue and the anonymous id; optIn sends with a new id', async ({
  page,
  site,
  collector,
}) => {
  collector.setMode('refuse')
  await openTracker(page, site, collector, fast)
  const anonymous = await consentOf(page, (t) => (t as unknown as { userId: string }).userId)
  const cards = markers('stored', 4)
  await trackCards(page, cards)
  await expect.poll(() => storedCount(page, cards)).toBe(cards.length)
  expect(await storedKeys(page)).toEqual(expect.arrayContaining(['anon', 'session']))

  await consentOf(page, (t) => t.optOut())
  await expect.poll(() => storedCount(page, cards), { message: 'queue deleted' }).toBe(0)
  expect(await storedKeys(page)).toEqual(['consent'])

  collector.setMode('up')
  await page.reload()
  expect(await consentOf(page, (t) => t.optedOut)).toBe(true)
  await consentOf(page, (t) => t.optIn())
  const after = markers('after-opt-in', 2)
  await trackCards(page, after)
  await expectDeliveredOnce(collector, after)
  expect(collector.received.map((e) => e.properties?.card_id)).toEqual(after)
  const ids = new Set(collector.received.map((e) => e.anonymous_id))
  expect(ids.size).toBe(1)
  expect(ids.has(anonymous as string)).toBe(false)
})

/**
 * Opens the tracker with `options`, tracks 2 events whose send the collector holds at its CORS
 * preflight (the browser sends the POST only once the preflight is answered: until then the
 * request exists in the page's transport worker but no byte of it has left), opts out, waits
 * for the worker to be gone, then answers the preflight.
 */
async function optOutDuringHeldSend(
  page: Page,
  site: Site,
  collector: Collector,
  options: Partial<PageTrackerOptions>,
): Promise<void> {
  const release = collector.holdPreflights()
  await openTracker(page, site, collector, options)
  await trackCards(page, markers('held', 2))
  const preflight = () => collector.requests.find((r) => r.kind === 'preflight')
  await expect.poll(preflight, { message: 'the send waits at its preflight' }).toBeTruthy()
  // The SDK sends from a worker; optOut() stops it, and the browser cancels its requests as
  // the worker goes. That happens on the worker's own thread a moment after optOut() returns,
  // so the preflight is answered only once the worker is gone.
  const [worker] = page.workers()
  expect(worker, 'the transport worker').toBeTruthy()
  const workerGone = new Promise<string>((resolve) => worker!.once('close', () => resolve('gone')))
  await consentOf(page, (t) => t.optOut())
  const stillThere = page.waitForTimeout(10_000).then(() => 'still running 10 s after optOut()')
  expect(await Promise.race([workerGone, stillThere])).toBe('gone')
  release()
}

test('optOut cancels a send that has started but is not on the wire yet (held at its CORS preflight)', async ({
  page,
  site,
  collector,
}) => {
  await optOutDuringHeldSend(page, site, collector, fast)
  await consentOf(page, (t) => t.optIn())
  const after = markers('after-opt-in', 1)
  await trackCards(page, after)
  await expectDeliveredOnce(collector, after)
  await collectorQuiet(collector)
  expect(collector.received.map(cardIdOf)).toEqual(after)
})

test('a send cancelled by optOut is not a failed attempt: no back-off for the send after optIn', async ({
  page,
  site,
  collector,
}) => {
  // Debug mode logs every failed send with its back-off ("send failed (HTTP 0); retry in …").
  // It also sends to the debug endpoint, which validates and stores nothing: requests are
  // counted here, not stored events.
  const logged: string[] = []
  page.on('console', (message) => logged.push(message.text()))
  await optOutDuringHeldSend(page, site, collector, { ...fast, debug: true })
  await consentOf(page, (t) => t.optIn())
  await trackCards(page, markers('after-opt-in', 1))
  const posts = () => collector.requests.filter((r) => r.kind !== 'preflight')
  await expect.poll(() => posts().map((r) => r.eventIds.length)).toEqual([1])
  expect(logged.filter((text) => /send failed|retry in/.test(text))).toEqual([])
})

test("consent 'pending': nothing in IndexedDB and no request until granted, then delivered", async ({
  page,
  site,
  collector,
}) => {
  await openTracker(page, site, collector, { ...fast, consent: 'pending' })
  const cards = markers('pending', 4)
  await trackCards(page, cards)
  await page.evaluate(() => window.tracker.flush())
  await collectorQuiet(collector)
  expect(collector.requests).toEqual([])
  expect(await databases(page)).toEqual([])
  expect(await storedKeys(page)).toEqual([])

  await consentOf(page, (t) => t.setConsent('granted'))
  await expectDeliveredOnce(collector, cards)
  // Granted is remembered: the next page does not wait.
  await openTracker(page, site, collector, { ...fast, consent: 'pending' })
  expect(await consentOf(page, (t) => t.consent)).toBe('granted')
})

test("consent 'pending' then denied: dropped, no request, not even when the page is left", async ({
  page,
  site,
  collector,
}) => {
  await openTracker(page, site, collector, { ...fast, consent: 'pending' })
  await trackCards(page, markers('denied', 4))
  await consentOf(page, (t) => t.setConsent('denied'))
  expect(await consentOf(page, (t) => t.optedOut)).toBe(true)
  await flushAndLeave(page, collector, site.blankUrl)
  expect(collector.requests).toEqual([])
  expect(await databases(page)).toEqual([])

  // Left pending, the page's waiting events are not sent on exit either.
  await openTracker(page, site, collector, { ...fast, consent: 'pending' })
  await page.evaluate(() => localStorage.clear())
  await openTracker(page, site, collector, { ...fast, consent: 'pending' })
  await trackCards(page, markers('left-pending', 2))
  await flushAndLeave(page, collector, site.blankUrl)
  expect(collector.requests).toEqual([])
})

test('Global Privacy Control opts out when honorGlobalPrivacyControl is set, not otherwise', async ({
  page,
  site,
  collector,
}) => {
  await page.addInitScript(() =>
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
  )
  await openTracker(page, site, collector, { ...fast, honorGlobalPrivacyControl: true })
  expect(
    await page.evaluate(
      () => (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl,
    ),
  ).toBe(true)
  expect(await consentOf(page, (t) => t.optedOut)).toBe(true)
  await trackCards(page, markers('gpc', 3))
  await flushAndLeave(page, collector, site.blankUrl)
  expect(collector.requests).toEqual([])
  expect(await databases(page)).toEqual([])

  await openTracker(page, site, collector, fast)
  const cards = markers('gpc-ignored', 2)
  await trackCards(page, cards)
  await expectDeliveredOnce(collector, cards)
})

test('identify() sends user_identify once, not again on a reload or for the same user', async ({
  page,
  site,
  collector,
}) => {
  await openTracker(page, site, collector, fast)
  const anonymous = await consentOf(page, (t) => (t as unknown as { userId: string }).userId)
  await consentOf(page, (t) => t.identify('user_42'))
  await consentOf(page, (t) => t.identify('user_42'))
  await page.reload()
  await consentOf(page, (t) => t.identify('user_42'))
  const cards = markers('identified', 1)
  await trackCards(page, cards)
  await expect.poll(() => collector.received.some((e) => e.event_name === 'card_click')).toBe(true)
  await collectorQuiet(collector)
  // The first page's exit beacon may carry the link and the next page send it again (the
  // server dedups by event_id): count distinct events.
  const links = [
    ...new Map(
      collector.received
        .filter((e) => e.event_name === 'user_identify')
        .map((e) => [e.event_id, e]),
    ).values(),
  ]
  expect(links).toHaveLength(1)
  expect(links[0]).toMatchObject({ user_id: 'user_42', anonymous_id: anonymous })
  expect(collector.received.find((e) => e.event_name === 'card_click')).toMatchObject({
    user_id: 'user_42',
    anonymous_id: anonymous,
  })
})

test("utm parameters of the landing URL are on that session's page views, not the next session's", async ({
  page,
  site,
  collector,
}) => {
  const options = { ...fast, sessionTimeout: 1500 }
  const full = { ...options, endpoint: collector.url, appId: APP_ID, secret: SECRET }
  const utm = 'utm_source=newsletter&utm_medium=email&utm_campaign=launch'
  await page.goto(`${site.trackerUrl(full)}&${utm}`, { referer: 'https://news.example.com/story' })
  const pageView = (name: string) =>
    page.evaluate((page_name) => window.tracker.track('page_view', { page_name }), name)
  await pageView('landing')
  // The next page of the visit, without the parameters (its referrer is the site itself).
  await openTracker(page, site, collector, options)
  await pageView('second')
  const firstSession = await consentOf(page, (t) => t.sessionId)
  // The session times out (1.5 s idle); reading sessionId then starts the next one here.
  await expect
    .poll(() => consentOf(page, (t) => t.sessionId), { timeout: 10_000 })
    .not.toBe(firstSession)
  await pageView('next-session')
  // A page view may arrive twice (an exit beacon, then the next page's send): by name.
  const byName = (name: string) =>
    collector.received.find((event) => event.properties?.page_name === name)
  await expect
    .poll(() => ['landing', 'second', 'next-session'].map(byName).every(Boolean))
    .toBe(true)
  const [landing, second, next] = ['landing', 'second', 'next-session'].map(byName)
  const campaign = {
    utm_source: 'newsletter',
    utm_medium: 'email',
    utm_campaign: 'launch',
    referrer_domain: 'news.example.com',
  }
  expect(landing!.properties).toEqual({ page_name: 'landing', ...campaign })
  expect(second!.properties).toEqual({ page_name: 'second', ...campaign })
  expect(second!.session_id).toBe(landing!.session_id)
  expect(next!.session_id).not.toBe(landing!.session_id)
  expect(next!.properties).toEqual({ page_name: 'next-session' })
})

/** docs/consent.md's script-tag cookie banner: the async snippet with `consent: 'pending'`. */
const bannerPage = (collectorUrl: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>banner</title>
<script>
  !function(w,n){w[n]=w[n]||function(){(w[n].q=w[n].q||[]).push(arguments)}}(window,'trackpoint')
  trackpoint('init', ${JSON.stringify({ endpoint: collectorUrl, appId: APP_ID, secret: SECRET, consent: 'pending', batchSize: 1, flushInterval: 200, autoCapture: { webVitals: false } })})
</script>
<script async src="/trackpoint.min.js" integrity="${bundleIntegrity()}" crossorigin="anonymous"></script>
</head><body>
<div id="cookie-banner" hidden>
  We use analytics to improve this site.
  <button onclick="answer('granted')">Accept</button>
  <button onclick="answer('denied')">Decline</button>
</div>
<button id="card" onclick="trackpoint('track', 'card_click', { card_id: 'c_1' })">card</button>
<script>
  function answer(consent) {
    trackpoint('setConsent', consent)
    document.getElementById('cookie-banner').hidden = true
  }
  trackpoint(function (tracker) {
    document.getElementById('cookie-banner').hidden = tracker.consent !== 'pending'
  })
</script>
</body></html>`

for (const answer of ['Accept', 'Decline'] as const) {
  test(`the script-tag cookie banner of docs/consent.md: ${answer}`, async ({
    page,
    collector,
  }) => {
    const site = await startPageSite({ '/index.html': bannerPage(collector.url) })
    try {
      await page.goto(`${site.url}/`)
      const banner = page.locator('#cookie-banner')
      await expect(banner).toBeVisible()
      await page.locator('#card').click() // tracked while pending: waits in memory
      expect(await databases(page)).toEqual([])
      await banner.getByRole('button', { name: answer }).click()
      await expect(banner).toBeHidden()
      if (answer === 'Accept') {
        // The auto-captured page_view and the click waited, and are sent now.
        await expect
          .poll(() => collector.received.map((e) => e.event_name).sort())
          .toEqual(['card_click', 'page_view'])
      } else {
        await page.locator('#card').click()
        await page.evaluate(() =>
          (window as unknown as { trackpoint: (c: string) => void }).trackpoint('flush'),
        )
      }
      // Answered once: the next page does not ask again.
      await page.reload()
      await page.waitForFunction(() => (window as { Trackpoint?: unknown }).Trackpoint)
      await page.evaluate(
        () =>
          new Promise((resolve) =>
            (window as unknown as { trackpoint: (f: () => void) => void }).trackpoint(() =>
              resolve(undefined),
            ),
          ),
      )
      await expect(banner).toBeHidden()
      await page.goto(`${site.url}/elsewhere`)
      await collectorQuiet(collector)
      if (answer === 'Decline') {
        expect(collector.requests).toEqual([])
        expect(await databases(page)).toEqual([])
      } else {
        // The reloaded page's page_view is sent without asking.
        expect(
          collector.received.filter((e) => e.event_name === 'page_view').length,
        ).toBeGreaterThanOrEqual(2)
      }
    } finally {
      await site.close()
    }
  })
}
