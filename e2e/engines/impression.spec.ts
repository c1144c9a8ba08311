// observeImpression in each engine: real IntersectionObserver geometry and real scrolling. The
// card (200 px) sits 3000 px down a long page; the page logs, with performance.now(), when its
// own observer saw the card ≥ 50 % visible and when each impression fired, so durations are
// measured where they happen. The in-page waits below are the scenario (how long a user looks),
// not a wait for a condition.
import { expect, test } from './fixtures'
import { startPageSite, type PageSite } from '../support/pageSite'
import { withErrorCapture } from '../support/pageErrors'
import { APP_ID, SECRET } from '../support/tracker'

const impressionPage = (collectorUrl: string) =>
  withErrorCapture(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>impressions</title>
<style>body { margin: 0 } #card { height: 200px; background: #36c }</style></head>
<body>
  <div style="height: 3000px"></div>
  <div id="card" data-delivery-id="dlv_e2e_1">Recommended</div>
  <div style="height: 3000px"></div>
  <script src="/trackpoint.min.js"></script>
  <script>
    window.log = { entered: [], impressions: [] }
    const card = document.getElementById('card')
    new IntersectionObserver(
      ([entry]) => entry.intersectionRatio >= 0.5 && log.entered.push(performance.now()),
      { threshold: 0.5 },
    ).observe(card)
    window.tracker = Trackpoint.createTracker({
      endpoint: ${JSON.stringify(collectorUrl)}, appId: ${JSON.stringify(APP_ID)},
      secret: ${JSON.stringify(SECRET)},
    })
    Trackpoint.observeImpression(card, () => {
      log.impressions.push(performance.now())
      tracker.track('recommend_impression', { delivery_id: card.dataset.deliveryId, content_type: 'action' })
    }, { key: card.dataset.deliveryId })
    // Shows \`px\` of the card at the bottom of the viewport, then waits \`ms\` in the page.
    window.showFor = (px, ms) => {
      scrollTo(0, 3000 + px - innerHeight)
      return new Promise((resolve) => setTimeout(resolve, ms))
    }
  </script>
</body></html>`)

interface PageLog {
  entered: number[]
  impressions: number[]
}
type ShowFor = (px: number, ms: number) => Promise<void>

let site: PageSite
test.beforeEach(async ({ collector }) => {
  site = await startPageSite({ '/index.html': impressionPage(collector.url) })
})
test.afterEach(() => site.close())

test('an impression fires once the card was ≥ 50 % visible for 1 s, once per delivery', async ({
  tab,
  collector,
}) => {
  await tab.goto(site.url)
  const pageLog = () => tab.evaluate(() => (window as unknown as { log: PageLog }).log)
  const showFor = (px: number, ms: number) =>
    tab.evaluate(([px, ms]) => (window as unknown as { showFor: ShowFor }).showFor(px, ms), [
      px,
      ms,
    ] as const)

  // 80 of 200 px (40 %) in view for 1.5 s: below the threshold, nothing.
  await showFor(80, 1500)
  expect((await pageLog()).impressions).toEqual([])
  // A glance: fully in view for 0.3 s, then away. Nothing.
  await showFor(200, 300)
  await tab.evaluate(() => scrollTo(0, 0))
  expect((await pageLog()).impressions).toEqual([])

  // 120 px (60 %) in view and kept there: one impression, ≥ 1 s after it became ≥ 50 %.
  await showFor(120, 0)
  await tab.waitFor(
    () => (window as unknown as { log: PageLog }).log.impressions.length > 0,
    undefined,
    {
      message: 'an impression',
    },
  )
  const { entered, impressions } = await pageLog()
  expect(impressions).toHaveLength(1)
  // Firefox reads performance.now() in whole milliseconds with jitter (reduceTimerPrecision), so
  // two readings 1 s apart can differ by 999: the page's clock cannot tell 1 ms apart there.
  expect(impressions[0]! - entered.at(-1)!).toBeGreaterThanOrEqual(999)

  // Away and back for 1.2 s: the same delivery does not count twice.
  await tab.evaluate(() => scrollTo(0, 0))
  await showFor(200, 1200)
  expect((await pageLog()).impressions).toHaveLength(1)

  await tab.evaluate(() => window.tracker.flush())
  await expect
    .poll(() => collector.received.filter((e) => e.event_name === 'recommend_impression'))
    .toHaveLength(1)
  expect(
    collector.received.find((e) => e.event_name === 'recommend_impression')?.properties,
  ).toEqual({ delivery_id: 'dlv_e2e_1', content_type: 'action' })
  expect(await tab.errors()).toEqual([])
})
