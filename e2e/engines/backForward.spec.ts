// Back to a page with a tracker, in each engine: restored from the back/forward cache (the same
// document: the tracker takes part in the election again and sends) or, where the engine does
// not keep the page (Playwright turns Chromium's cache off; e2e/backForwardCache.spec.ts covers
// it), loaded anew (a new tracker sends). The test says which path each engine took and checks
// that path's own evidence, then that events tracked after coming back arrive once.
import { expect, test } from './fixtures'
import { startPageSite, type PageSite } from '../support/pageSite'
import { withErrorCapture } from '../support/pageErrors'
import { APP_ID, SECRET, expectDeliveredOnce } from '../support/tracker'

const trackerPage = (collectorUrl: string, title: string) =>
  withErrorCapture(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body>${title}
<script src="/trackpoint.min.js"></script>
<script>
  window.tracker = Trackpoint.createTracker(${JSON.stringify({
    endpoint: collectorUrl,
    appId: APP_ID,
    secret: SECRET,
    rateLimitPerSecond: 100_000,
  })})
  addEventListener('pageshow', (event) => { window.restored = event.persisted })
</script>
</body></html>`)

let site: PageSite
test.beforeEach(async ({ collector }) => {
  site = await startPageSite({
    '/index.html': trackerPage(collector.url, 'first'),
    '/second.html': trackerPage(collector.url, 'second'),
  })
})
test.afterEach(() => site.close())

test('coming back to a page, from the back/forward cache or anew, its tracker sends again', async ({
  tab,
  collector,
  engine,
}) => {
  const track = (cardId: string) =>
    tab.evaluate((card_id) => {
      window.tracker.track('card_click', { card_id })
      void window.tracker.flush()
    }, cardId)
  // flush() must settle: a page that awaits it before navigating would hang otherwise.
  const flushSettles = () =>
    tab.evaluate(() =>
      Promise.race([
        window.tracker.flush().then(() => 'settled'),
        new Promise((resolve) => setTimeout(() => resolve('pending after 5 s'), 5000)),
      ]),
    )
  await tab.goto(`${site.url}/`)
  await track('before')
  await expectDeliveredOnce(collector, ['before'])
  // A mark that only the same document still has after coming back.
  await tab.evaluate(() => {
    ;(window as unknown as { mark: string }).mark = 'first visit'
  })
  await tab.goto(`${site.url}/second.html`)
  // Nothing tracked here: an event beaconed on leaving stays stored (a beacon is never
  // confirmed) and is sent again by the next sending page, as designed (the server dedups).
  expect(await flushSettles()).toBe('settled')
  await tab.back()
  await tab.waitFor(() => 'restored' in window && document.title === 'first', undefined, {
    message: 'the first page is shown again',
  })
  const { restored, mark } = await tab.evaluate(() => ({
    restored: (window as unknown as { restored: boolean }).restored,
    mark: (window as unknown as { mark?: string }).mark ?? null,
  }))
  console.log(
    `[engines] ${engine.name}: back/forward cache ${restored ? 'restored the page' : 'not used (a new load)'}`,
  )
  expect(mark, 'a restore keeps the document, a new load does not').toBe(
    restored ? 'first visit' : null,
  )

  await track('after_back')
  await expectDeliveredOnce(collector, ['before', 'after_back'])
  expect(collector.received.map((event) => event.properties?.card_id)).toEqual([
    'before',
    'after_back',
  ])
  expect(await flushSettles()).toBe('settled')
  expect(await tab.errors()).toEqual([])
})
