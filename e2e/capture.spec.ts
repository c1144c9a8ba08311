// Auto-capture and the async snippet in real Chromium, through the development collector.
import { chromium, type Page } from '@playwright/test'
import type { ReceivedEvent } from './support/collector'
import { expect, test } from './support/fixtures'
import { launchHideableBrowser } from './support/hideableBrowser'
import { bundleIntegrity, startPageSite, type PageSite } from './support/pageSite'
import { APP_ID, SECRET } from './support/tracker'
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../scripts/chromium.mjs'

const named = (events: ReceivedEvent[], name: string) =>
  events.filter((event) => event.event_name === name)

const credentials = (collectorUrl: string) =>
  JSON.stringify({
    endpoint: collectorUrl,
    appId: APP_ID,
    secret: SECRET,
    rateLimitPerSecond: 1000,
  })

// A single-page app without a router library: links call history.pushState.
const appPage = (collectorUrl: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>app</title></head>
<body>
  <nav>
    <a href="/actions" data-route>Actions</a> <a href="/rewards" data-route>Rewards</a>
    <button id="fail" onclick="failHard()">fail</button>
    <button id="reject" onclick="Promise.reject(new RangeError('no reward left'))">reject</button>
    <button id="reject-object" onclick="Promise.reject({ status: 401, access_token: 'tok_secret' })">reject object</button>
    <button id="card" data-track="card_click" data-track-card-id="c_e2e"><span>Open card</span></button>
  </nav>
  <form id="signup" name="newsletter" onsubmit="event.preventDefault()">
    <input name="email" value="alice@example.com"><button id="submit">Sign up</button>
  </form>
  <script src="/trackpoint.min.js"></script>
  <script>
    function failHard() { throw new Error('boom in handler') }
    window.tracker = Trackpoint.createTracker(${credentials(collectorUrl)})
    Trackpoint.autoCapture(tracker)
    for (const link of document.querySelectorAll('[data-route]')) {
      link.addEventListener('click', (event) => {
        event.preventDefault()
        history.pushState(null, '', link.getAttribute('href'))
      })
    }
  </script>
</body></html>`

const flush = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { tracker: { flush(): Promise<void> } }).tracker.flush(),
  )

let site: PageSite
test.afterEach(() => site.close())

test.describe('auto-capture', () => {
  test.beforeEach(async ({ collector }) => {
    site = await startPageSite({ '/index.html': appPage(collector.url) })
  })

  test('SPA navigation yields one page_view per route', async ({ page, collector }) => {
    await page.goto(`${site.url}/`)
    await page.click('text=Actions')
    await page.click('text=Rewards')
    // A new query string (pushState), a replaceState and going back to /rewards keep the route.
    await page.evaluate(() => history.pushState(null, '', '/rewards?tab=points'))
    await page.evaluate(() => history.replaceState(null, '', '/rewards?tab=badges'))
    await page.goBack() // popstate to /rewards
    await expect.poll(() => page.evaluate(() => location.search)).toBe('')
    await page.goBack() // popstate to /actions: a page view
    await expect.poll(() => page.evaluate(() => location.pathname)).toBe('/actions')
    await flush(page)

    await expect.poll(() => named(collector.received, 'page_view').length).toBe(4)
    await page.waitForTimeout(300)
    await flush(page)
    const views = named(collector.received, 'page_view')
    expect(views.map((event) => [event.page, event.properties])).toEqual([
      ['/', { page_name: '/' }],
      ['/actions', { page_name: '/actions', referrer: '/' }],
      ['/rewards', { page_name: '/rewards', referrer: '/actions' }],
      ['/actions', { page_name: '/actions', referrer: '/rewards' }],
    ])
  })

  test('a thrown error is captured once, unhandled rejections too (without secrets)', async ({
    page,
    collector,
  }) => {
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(`${site.url}/`)
    for (let i = 0; i < 3; i++) await page.click('#fail')
    await page.click('#reject')
    await page.click('#reject-object')
    await expect.poll(() => pageErrors.length).toBe(5) // the app still sees every error
    await flush(page)

    await expect.poll(() => named(collector.received, 'error').length).toBe(3)
    await page.waitForTimeout(300)
    await flush(page)
    const [thrown, rejected, rejectedObject] = named(collector.received, 'error').map(
      (e) => e.properties!,
    )
    expect(named(collector.received, 'error')).toHaveLength(3)
    expect(thrown).toMatchObject({
      message: 'boom in handler',
      error_type: 'Error',
      source: `${site.url}/`,
    })
    expect(thrown!.stack).toContain('failHard')
    expect(thrown!.lineno).toBeGreaterThan(0)
    expect(rejected).toMatchObject({ message: 'no reward left', error_type: 'RangeError' })
    // A non-Error reason is sent as JSON without its forbidden keys (§八).
    expect(rejectedObject).toMatchObject({
      message: '{"status":401}',
      error_type: 'unhandledrejection',
    })
    expect(JSON.stringify(collector.received)).not.toContain('tok_secret')
  })

  test('declarative clicks, form submits (without values) and web vitals', async ({
    page,
    collector,
  }) => {
    await page.goto(`${site.url}/`)
    await page.click('#card span')
    await page.click('#submit')
    await flush(page)
    await expect
      .poll(() => named(collector.received, 'web_vitals').map((e) => e.properties?.name))
      .toEqual(expect.arrayContaining(['TTFB', 'FCP']))
    await flush(page)
    await expect.poll(() => named(collector.received, 'card_click').length).toBe(1)
    expect(named(collector.received, 'card_click')[0]!.properties).toEqual({ card_id: 'c_e2e' })
    expect(named(collector.received, 'form_submit').map((e) => e.properties)).toEqual([
      { form_id: 'signup', form_name: 'newsletter' },
    ])
    expect(JSON.stringify(collector.received)).not.toContain('alice@example.com')
    const ttfb = named(collector.received, 'web_vitals').find((e) => e.properties?.name === 'TTFB')
    expect(ttfb!.properties).toMatchObject({ value: expect.any(Number), rating: 'good' })
  })

  test('clicks inside an open shadow root are found; a name outside the plan is warned once', async ({
    page,
    collector,
  }) => {
    const warnings: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text())
    })
    await page.goto(`${site.url}/`)
    await page.evaluate(() => {
      const host = document.body.appendChild(document.createElement('div'))
      host.setAttribute('data-track', 'navbar_click')
      host.attachShadow({ mode: 'open' }).innerHTML =
        '<button id="shadow-card" data-track="card_click" data-track-card-id="c_shadow">' +
        '<span>In shadow</span></button>' +
        '<button id="typo" data-track="card_clik" data-track-card-id="c_typo">Typo</button>'
    })
    await page.click('#shadow-card span') // Playwright's CSS selectors pierce open shadow roots
    await page.click('#typo')
    await page.click('#typo')
    await flush(page)
    await expect.poll(() => named(collector.received, 'card_click').length).toBe(1)
    expect(named(collector.received, 'card_click')[0]!.properties).toEqual({ card_id: 'c_shadow' })
    expect(named(collector.received, 'navbar_click')).toHaveLength(0)
    expect(warnings.filter((text) => text.includes('card_clik'))).toEqual([
      '[trackpoint] data-track="card_clik" is not an event of the tracking plan (a typo, or pass your plan)',
    ])
  })
})

// Playwright starts Chromium with its back/forward cache off (--disable-back-forward-cache), so
// this test launches its own browser without that flag. The page left for is on another origin:
// a same-origin page with a tracker contends for the tracker's leader lock (Web Locks), which
// keeps the first page out of the cache ("weblocks-contention").
test('a page restored from the back/forward cache is a new page view', async ({ collector }) => {
  site = await startPageSite({ '/index.html': appPage(collector.url) })
  const elsewhere = await startPageSite({ '/index.html': '<!doctype html><title>x</title>x' })
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  })
  try {
    const page = await browser.newPage()
    await page.goto(`${site.url}/`)
    await page.evaluate(() =>
      addEventListener('pageshow', (event) => {
        ;(window as unknown as { restored?: boolean }).restored = event.persisted
      }),
    )
    // A person stays longer than the 300 ms debounce: a restore sooner repeats the first
    // page_view's properties within the window and is counted once (§十一).
    await page.waitForTimeout(400)
    await page.goto(`${elsewhere.url}/`)
    await page.goBack({ waitUntil: 'commit' }) // a restore has no `load` event
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { restored?: boolean }).restored))
      .toBe(true)
    await flush(page)
    await expect.poll(() => named(collector.received, 'page_view').length).toBe(2)
    expect(named(collector.received, 'page_view').map((e) => [e.page, e.properties])).toEqual([
      ['/', { page_name: '/' }],
      ['/', { page_name: '/' }], // restored: sent like a load (no document.referrer here)
    ])
  } finally {
    await browser.close()
    await elsewhere.close()
  }
})

// The documented snippet (docs/capture.md), with the bundle answered 1.5 s late. The page
// notes, when it makes its calls, whether the bundle was there and how many calls were queued.
const snippetPage = (collectorUrl: string, integrity: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>snippet</title>
<script>
  !function(w,n){w[n]=w[n]||function(){(w[n].q=w[n].q||[]).push(arguments)}}(window,'trackpoint')
  trackpoint('init', Object.assign(${credentials(collectorUrl)}, { autoCapture: { webVitals: false } }))
  trackpoint('identify', 'user_snippet')
  trackpoint('track', 'card_click', { card_id: 'c_before_load' })
  window.snippetState = {
    bundleLoaded: typeof Trackpoint !== 'undefined',
    queuedCalls: trackpoint.q.length,
    calledAt: performance.now(),
  }
</script>
<script async src="/trackpoint.min.js?delay=1500" integrity="${integrity}" crossorigin="anonymous"></script>
</head><body>snippet</body></html>`

interface SnippetWindow {
  snippetState: { bundleLoaded: boolean; queuedCalls: number; calledAt: number }
  trackpoint: (...args: unknown[]) => void
}

test('the snippet replays the calls made before the bundle loaded, in order', async ({
  page,
  collector,
}) => {
  site = await startPageSite({ '/index.html': snippetPage(collector.url, bundleIntegrity()) })
  await page.goto(`${site.url}/`) // `load` waits for the async bundle
  const { snippetState, bundleArrivedAt } = await page.evaluate(() => ({
    snippetState: (window as unknown as SnippetWindow).snippetState,
    bundleArrivedAt: performance
      .getEntriesByType('resource')
      .find((entry) => entry.name.includes('/trackpoint.min.js'))!.responseEnd,
  }))
  // The calls were made, and queued by the stub, well before the bundle arrived.
  expect(snippetState).toMatchObject({ bundleLoaded: false, queuedCalls: 3 })
  expect(snippetState.calledAt).toBeLessThan(bundleArrivedAt - 1000)

  // Once loaded, window.trackpoint is the real handler and takes calls directly.
  await page.evaluate(() => {
    const { trackpoint } = window as unknown as SnippetWindow
    trackpoint('track', 'card_click', { card_id: 'c_after_load' })
    trackpoint('flush')
  })
  await expect.poll(() => collector.received.length).toBe(4)
  expect(
    collector.received.map((e) => [e.event_name, e.properties?.card_id ?? e.properties?.page_name]),
  ).toEqual([
    ['user_identify', undefined], // the replayed identify() links the anonymous id, once
    ['card_click', 'c_before_load'],
    ['page_view', '/'], // auto-capture starts once the queue has been replayed
    ['card_click', 'c_after_load'],
  ])
  // identify() was replayed before anything was tracked: every event carries the user id.
  expect(new Set(collector.received.map((e) => e.user_id))).toEqual(new Set(['user_snippet']))
  // The script tag carried integrity="sha384-…" of the build: Chromium ran the bundle only
  // because the hash matched (a mismatch blocks it, and nothing would have been sent).
  expect(site.bundleRequests).toBe(1)
})

test('page duration and the final web vitals leave with the page-exit send when the tab is hidden', async ({
  collector,
}) => {
  // Long flush interval and batch: only the tracker's exit send can deliver within the test.
  const options = JSON.stringify({
    endpoint: collector.url,
    appId: APP_ID,
    secret: SECRET,
    flushInterval: 600_000,
    batchSize: 100,
  })
  site = await startPageSite({
    '/index.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>exit</title></head>
<body><h1>Largest text on the page</h1>
<script src="/trackpoint.min.js"></script>
<script>
  window.tracker = Trackpoint.createTracker(${options})
  Trackpoint.autoCapture(tracker, { pageDuration: true, pageName: () => 'exit_page' })
</script></body></html>`,
  })
  const chromium = await launchHideableBrowser()
  try {
    const { page } = chromium
    await page.goto(`${site.url}/`)
    await page.click('h1') // an interaction, so that INP has something to report
    await page.waitForTimeout(1000)
    expect(collector.received).toEqual([])
    await chromium.hide()
    await expect
      .poll(() => named(collector.received, 'page_duration').map((e) => e.properties?.page_name))
      .toEqual(['exit_page'])
    const duration = named(collector.received, 'page_duration')[0]!.properties!.duration_ms
    expect(duration).toBeGreaterThanOrEqual(1000)
    await expect
      .poll(() =>
        named(collector.received, 'web_vitals')
          .map((e) => e.properties?.name)
          .sort(),
      )
      .toEqual(expect.arrayContaining(['CLS', 'FCP', 'LCP', 'TTFB']))
    expect(named(collector.received, 'page_view')).toHaveLength(1)
  } finally {
    await chromium.close()
  }
})

test('scroll depth reports 25/50/75/100 % once each per page view, with real layout', async ({
  page,
  collector,
}) => {
  site = await startPageSite({
    '/index.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>long</title>
<style>body { margin: 0 } article { height: 4000px }</style></head>
<body><article>long read</article>
<script src="/trackpoint.min.js"></script>
<script>
  window.tracker = Trackpoint.createTracker(${credentials(collector.url)})
  Trackpoint.captureScrollDepth(tracker)
</script></body></html>`,
  })
  await page.setViewportSize({ width: 800, height: 800 })
  await page.goto(`${site.url}/`)
  const depths = () => named(collector.received, 'scroll_depth').map((e) => e.properties?.depth)
  for (const y of [300, 1300, 2300, 1000, 3200, 0, 3200]) {
    await page.evaluate((top) => window.scrollTo(0, top), y)
    await page.waitForTimeout(100)
  }
  await flush(page)
  await expect.poll(depths).toEqual([25, 50, 75, 100])
  // A new page view (SPA navigation) starts over.
  await page.evaluate(() => {
    window.scrollTo(0, 0)
    ;(window as unknown as { Trackpoint: { beginPageView(): void } }).Trackpoint.beginPageView()
  })
  await page.evaluate(() => window.scrollTo(0, 1300))
  await page.waitForTimeout(100)
  await flush(page)
  await expect.poll(depths).toEqual([25, 50, 75, 100, 25, 50])
})
