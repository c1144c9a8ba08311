// What only a real browser proves: the queue lives in IndexedDB, so events tracked while the
// collector is unreachable outlive the page and are sent, once each, when it comes back.
import { expect, test } from './support/fixtures'
import type { CollectorMode } from './support/collector'
import {
  expectDeliveredOnce,
  markers,
  openTracker,
  storedCount,
  trackCards,
} from './support/tracker'

const outages: [Exclude<CollectorMode, 'up'>, string][] = [
  ['refuse', 'refuses connections'],
  ['down503', 'answers 503 with Retry-After'],
]

for (const [mode, outage] of outages) {
  test(`events tracked while the collector ${outage} survive a reload and arrive once each when it is back`, async ({
    page,
    site,
    collector,
  }) => {
    collector.setMode(mode)
    await openTracker(page, site, collector, { batchSize: 1, flushInterval: 200 })
    const cards = markers(`down-${mode}`, 6)
    await trackCards(page, cards)

    // Reload only once the events are stored and the tracker has seen the outage, so the
    // reload really interrupts a retrying queue.
    await expect.poll(() => storedCount(page, cards)).toBe(cards.length)
    await expect
      .poll(() => collector.requests.filter((r) => r.status === 0 || r.status === 503).length, {
        message: 'the tracker tried to send during the outage',
      })
      .toBeGreaterThan(0)
    await page.reload()

    // Anything the unload path tried to send (a beacon) was refused too: the events must
    // still be in the store of the new page.
    expect(collector.received).toEqual([])
    expect(await storedCount(page, cards), 'events kept in IndexedDB across the reload').toBe(
      cards.length,
    )

    collector.setMode('up')
    await expectDeliveredOnce(collector, cards)
    // A 2xx deletes the events from the store, so a later flush has nothing left to resend.
    await expect.poll(() => storedCount(page, cards)).toBe(0)
    await page.evaluate(() => window.tracker.flush())
    await expectDeliveredOnce(collector, cards)
  })
}
