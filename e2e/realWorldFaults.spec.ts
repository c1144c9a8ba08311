// What a real page does and a real device gets wrong, in real Chromium: a device clock minutes
// off, and a feed that shows dozens of cards at once.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from './support/fixtures'
import { loadConfig } from '../server-stub/src/config'
import { silentLogger } from '../server-stub/src/http/logger'
import { startServer } from '../server-stub/src/startServer'
import { startPageSite } from './support/pageSite'
import { APP_ID, SECRET } from './support/tracker'

const day = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10)

test('a device clock 10 minutes fast still delivers every event to the real collector', async ({
  page,
}) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-clock-'))
  const backend = await startServer({
    config: loadConfig({ TRACKPOINT_DATA_DIR: dataDir, PORT: '0' }),
    logger: silentLogger,
  })
  const site = await startPageSite({
    '/index.html': `<!doctype html><meta charset="utf-8"><title>clock</title>
<script src="/trackpoint.min.js"></script>
<script>
  window.errors = []
  window.tracker = Trackpoint.createTracker({
    endpoint: ${JSON.stringify(backend.url)}, appId: 'dev_app', secret: 'dev_secret',
    onError: (e) => errors.push(e.kind + ': ' + e.message),
  })
</script>`,
  })
  try {
    // The device clock runs 10 minutes ahead of the server's (the collector accepts ±5 min).
    await page.addInitScript(() => {
      const ahead = 10 * 60_000
      const RealDate = Date
      class FastDate extends RealDate {
        constructor(...args: unknown[]) {
          super(...((args.length ? args : [RealDate.now() + ahead]) as []))
        }
        static override now() {
          return RealDate.now() + ahead
        }
      }
      window.Date = FastDate as DateConstructor
    })
    await page.goto(site.url)
    expect(
      await page.evaluate(() => Date.now() - performance.timeOrigin - performance.now()),
    ).toBeGreaterThan(9 * 60_000)
    await page.evaluate(() => {
      const t = (window as unknown as { tracker: { track(n: string, p: object): void } }).tracker
      for (let i = 0; i < 20; i++) t.track('page_view', { page_name: `clock_page_${i}` })
    })
    await page.evaluate(() =>
      (window as unknown as { tracker: { flush(): Promise<void> } }).tracker.flush(),
    )
    expect(await page.evaluate(() => (window as unknown as { errors: string[] }).errors)).toEqual(
      [],
    )
    const overview = async () => {
      const response = await fetch(
        `${backend.url}/api/stats/overview?from=${day(-1)}&to=${day(1)}`,
        { headers: { Authorization: `Bearer ${backend.adminToken}` } },
      )
      return ((await response.json()) as { pv: number }).pv
    }
    await expect.poll(overview, { timeout: 15_000 }).toBe(20)
  } finally {
    await site.close()
    await backend.close()
    await rm(dataDir, { recursive: true, force: true })
  }
})

test('a feed that shows 60 cards at once counts 60 impressions', async ({ page, collector }) => {
  const site = await startPageSite({
    '/index.html': `<!doctype html><meta charset="utf-8"><title>feed</title>
<style>body { margin: 0; display: grid; grid-template-columns: repeat(10, 60px); gap: 4px }
  .card { height: 60px; background: #36c }</style>
<body>
<script src="/trackpoint.min.js"></script>
<script>
  window.tracker = Trackpoint.createTracker({
    endpoint: ${JSON.stringify(collector.url)}, appId: ${JSON.stringify(APP_ID)},
    secret: ${JSON.stringify(SECRET)},
  })
  // Default options: the rate limit and the debounce must let a real feed through.
  for (let i = 0; i < 60; i++) {
    const card = document.createElement('div')
    card.className = 'card'
    card.dataset.deliveryId = 'dlv_feed_' + i
    document.body.append(card)
    Trackpoint.observeImpression(card, () =>
      tracker.track('recommend_impression', { delivery_id: card.dataset.deliveryId, content_type: 'action' }),
    )
  }
</script>
</body>`,
  })
  try {
    await page.setViewportSize({ width: 1280, height: 720 })
    await page.goto(site.url)
    await page.waitForTimeout(1500) // ≥ 50 % visible for ≥ 1 s
    await page.evaluate(() =>
      (window as unknown as { tracker: { flush(): Promise<void> } }).tracker.flush(),
    )
    await expect
      .poll(() => new Set(collector.received.map((e) => e.properties?.delivery_id)).size)
      .toBe(60)
    expect(collector.received.filter((e) => e.event_name === 'recommend_impression')).toHaveLength(
      60,
    )
  } finally {
    await site.close()
  }
})
