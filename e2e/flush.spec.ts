// flush() is public API: an app may call it at any time, also when nothing is queued.
import { expect, test } from './support/fixtures'
import { expectDeliveredOnce, markers, openTracker, trackCards } from './support/tracker'

test('a tracker flushed while its queue is empty still sends the events tracked afterwards', async ({
  page,
  site,
  collector,
}) => {
  await openTracker(page, site, collector, { batchSize: 1, flushInterval: 200 })
  // Flush only once this tab is the sending tab, so the flush really runs the send loop.
  await page.waitForFunction(async () => ((await navigator.locks.query()).held ?? []).length > 0)
  await page.evaluate(() => window.tracker.flush())
  expect(collector.received).toEqual([])

  const cards = markers('after-flush', 3)
  await trackCards(page, cards)
  await expectDeliveredOnce(collector, cards, 5000)
})
