// Tabs of one origin share one IndexedDB queue; only the tab holding the Web Lock sends.
// A slow collector widens the window in which a second sender, or a timer firing during a
// request, would put the same event_id on the wire twice.
import { expect, test } from './support/fixtures'
import { expectDeliveredOnce, markers, openTracker, posts, trackCards } from './support/tracker'

test.use({ collectorDelayMs: 200 })

test('two tabs tracking at once deliver every event once and never send an event_id in two requests at a time', async ({
  context,
  page,
  site,
  collector,
}) => {
  const other = await context.newPage()
  const options = { batchSize: 5, flushInterval: 250 }
  await openTracker(page, site, collector, options)
  await openTracker(other, site, collector, options)
  const cardsA = markers('tab-a', 40)
  const cardsB = markers('tab-b', 40)

  // Spread over ~0.6 s so tracking overlaps the 200 ms requests of both tabs.
  await Promise.all([
    trackCards(page, cardsA, { spacingMs: 15 }),
    trackCards(other, cardsB, { spacingMs: 15 }),
  ])

  await expectDeliveredOnce(collector, [...cardsA, ...cardsB], 15_000)
  // Whatever either tab still holds goes out now; none of it may be a repeat.
  await Promise.all([page, other].map((tab) => tab.evaluate(() => window.tracker.flush())))
  await expectDeliveredOnce(collector, [...cardsA, ...cardsB])

  expect(posts(collector).length, 'the events went in several requests').toBeGreaterThan(1)
  expect(collector.concurrentDuplicates, 'event_ids in two in-flight requests at once').toEqual([])
})
