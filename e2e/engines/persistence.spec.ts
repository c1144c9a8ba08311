// What outlives a page, in each engine: the IndexedDB queue across a reload while the collector
// is down, and the exit beacon when the page is left by navigation or closed.
import { expect, test } from './fixtures'
import type { EnginePage } from './driver'
import { openTracker, storedCount, trackCards } from './pageTracker'
import type { Site } from '../support/site'
import { expectDeliveredOnce, markers, posts, requestsCarrying } from '../support/tracker'

test('events tracked while the collector answers 503 survive a reload and arrive once each when it is back', async ({
  tab,
  site,
  collector,
}) => {
  collector.setMode('down503')
  await openTracker(tab, site, collector, { batchSize: 1, flushInterval: 200 })
  const cards = markers('reload', 6)
  await trackCards(tab, cards)
  await expect.poll(() => storedCount(tab, cards)).toBe(cards.length)
  await expect
    .poll(() => collector.requests.filter((request) => request.status === 503).length, {
      message: 'the tracker tried to send during the outage',
    })
    .toBeGreaterThan(0)
  await tab.reload()

  // Whatever the unload path sent was refused too: the events are in the new page's store.
  expect(collector.received).toEqual([])
  expect(await storedCount(tab, cards), 'kept in IndexedDB across the reload').toBe(cards.length)
  collector.setMode('up')
  await expectDeliveredOnce(collector, cards)
  await expect.poll(() => storedCount(tab, cards), { message: 'deleted once sent' }).toBe(0)
  expect(await tab.errors()).toEqual([])
})

// Nothing is sent before the page hides: the batch never fills and the timer never fires.
const holdEverything = { batchSize: 1000, flushInterval: 600_000 }

const leaveBy: [string, (tab: EnginePage, site: Site) => Promise<void>][] = [
  ['navigating away', (tab, site) => tab.goto(site.blankUrl)],
  ['closing the tab', (tab) => tab.close()],
]

for (const [how, leave] of leaveBy) {
  test(`${how} hands pending events to the exit beacon`, async ({ tab, site, collector }) => {
    await openTracker(tab, site, collector, holdEverything)
    const cards = markers('exit', 5)
    await trackCards(tab, cards)
    await expect.poll(() => storedCount(tab, cards)).toBe(cards.length)
    expect(posts(collector), 'nothing sent before the page hides').toEqual([])

    await leave(tab, site)

    await expectDeliveredOnce(collector, cards, 10_000)
    const carriers = requestsCarrying(collector, cards)
    expect(carriers.map((request) => request.kind)).toEqual(carriers.map(() => 'beacon'))
    for (const request of carriers) {
      expect(request.contentType).toMatch(/^text\/plain/i)
      expect(request.encoding, 'beacons are never gzipped').toBeUndefined()
    }
  })
}
