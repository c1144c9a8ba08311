// A multi-page site with a tracker on every page keeps the back/forward cache: the tracker
// gives its sending-tab lock (Web Locks) up on `pagehide`, so the next page's request for it is
// no contention — Chromium keeps a page that holds a contended lock out of the cache
// ("weblocks-contention") — and a restored page takes part in the election again and sends.
import { chromium } from '@playwright/test'
import type { Tracker } from '../packages/core/src/types'
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../scripts/chromium.mjs'
import { expect, test } from './support/fixtures'
import { startPageSite } from './support/pageSite'
import { APP_ID, SECRET } from './support/tracker'

const trackerPage = (collectorUrl: string, title: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body>${title}
<script src="/trackpoint.min.js"></script>
<script>
  window.tracker = Trackpoint.createTracker(${JSON.stringify({
    endpoint: collectorUrl,
    appId: APP_ID,
    secret: SECRET,
  })})
  addEventListener('pageshow', (event) => { window.restored = event.persisted })
</script>
</body></html>`

test('a same-origin page with a tracker leaves the page before it in the back/forward cache, which sends again once restored', async ({
  collector,
}) => {
  const site = await startPageSite({
    '/index.html': trackerPage(collector.url, 'first'),
    '/second.html': trackerPage(collector.url, 'second'),
  })
  // Playwright turns Chromium's back/forward cache off (--disable-back-forward-cache).
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  })
  try {
    const page = await browser.newPage()
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Page.enable')
    const notCached: unknown[] = []
    cdp.on('Page.backForwardCacheNotUsed', (event) => notCached.push(event.notRestoredExplanations))
    await page.goto(`${site.url}/`)
    // The first page holds the sending-tab lock once it has sent something.
    await page.evaluate(async () => {
      const { tracker } = window as unknown as { tracker: Tracker }
      tracker.track('card_click', { card_id: 'before' })
      await tracker.flush()
    })
    // A moment on the page, as a reader takes: the acknowledged events' IndexedDB clean-up
    // (deferred 250 ms) is over. IndexedDB work still running at `pagehide` can itself cost the
    // cache its page (Chromium evicts a cached page whose transaction blocks another page's).
    await page.waitForTimeout(1000)
    await page.goto(`${site.url}/second.html`)
    await page.evaluate(() => (window as unknown as { tracker: Tracker }).tracker.flush())
    await page.goBack({ waitUntil: 'commit' }) // a restore has no `load` event
    await page.waitForFunction(() => 'restored' in window)
    const restored = await page.evaluate(
      () => (window as unknown as { restored: boolean }).restored,
    )
    // Chromium says why a page was not restored from the cache; shown when this fails.
    expect(restored, `not restored: ${JSON.stringify(notCached)}`).toBe(true)

    await page.evaluate(async () => {
      const { tracker } = window as unknown as { tracker: Tracker }
      tracker.track('card_click', { card_id: 'after_restore' })
      await tracker.flush()
    })
    await expect
      .poll(() => collector.received.map((event) => event.properties?.card_id))
      .toEqual(['before', 'after_restore'])
  } finally {
    await browser.close()
    await site.close()
  }
})
