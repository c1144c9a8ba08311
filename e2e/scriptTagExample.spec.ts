// The script-tag example (examples/script-tag/index.html) as `npm start` serves it: the async
// snippet, auto-capture, declarative clicks and the recommendation's impression, in Chromium,
// against the development collector.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ReceivedEvent } from './support/collector'
import { startCollector, type Collector } from './support/collector'
import { expect, test } from './support/fixtures'
import { startPageSite, type PageSite } from './support/pageSite'
import { repoRoot } from './support/site'

let devCollector: Collector
let site: PageSite

test.beforeEach(async () => {
  devCollector = await startCollector({
    apps: [{ app_id: 'dev_app', secrets: ['dev_secret'] }],
    log: false,
  })
  const html = (
    await readFile(join(repoRoot, 'examples/script-tag/index.html'), 'utf8')
  ).replaceAll('http://127.0.0.1:8080', devCollector.url)
  site = await startPageSite({ '/index.html': html })
})

test.afterEach(async () => {
  await site.close()
  await devCollector.close()
})

const summary = (events: ReceivedEvent[]) =>
  events
    .filter((event) => event.event_name !== 'web_vitals')
    .map((event) => [event.event_name, event.properties])

test('the example tracks its page view, impression and declarative clicks', async ({ page }) => {
  await page.goto(`${site.url}/`)
  // The recommendation is in view on load: its impression comes after a second.
  await page.waitForTimeout(1500)
  await page.click('nav >> text=Rewards')
  await page.click('#recommendation-open')
  await page.evaluate(() =>
    (window as unknown as { tracker: { flush(): Promise<void> } }).tracker.flush(),
  )

  await expect
    .poll(() => summary(devCollector.received), { timeout: 10_000 })
    .toEqual([
      ['page_view', { page_name: 'onchain_landing' }],
      ['recommend_impression', { delivery_id: 'dlv_demo_001', content_type: 'action' }],
      ['navbar_click', { target: 'rewards' }],
      ['recommend_click', { delivery_id: 'dlv_demo_001', content_type: 'action' }],
    ])
})
