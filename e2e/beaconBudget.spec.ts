// A page's keepalive requests (sendBeacon, fetch keepalive) may carry at most 64 KiB in flight
// together (Fetch spec, "inflight keepalive bytes"); beyond that the browser refuses them. So
// the SDK spends one 64 KB budget per page hide and leaves the rest in IndexedDB for the next
// visit. https://fetch.spec.whatwg.org/#http-network-or-cache-fetch
import { expect, test } from './support/fixtures'
import {
  collectorQuiet,
  markers,
  openTracker,
  posts,
  requestsCarrying,
  storedCount,
  trackCards,
  undelivered,
} from './support/tracker'

const BEACON_BUDGET = 64 * 1024

test('keeps each beacon and the page-hide total within 64 KB, and sends what did not fit on the next visit', async ({
  context,
  page,
  site,
  collector,
}) => {
  // ~300 KB of events: far more than one page hide may send by beacon.
  await openTracker(page, site, collector, {
    batchSize: 1000,
    flushInterval: 600_000,
    debounceMs: 0,
  })
  const cards = markers('big', 300)
  await trackCards(page, cards, { padding: 1000 })
  await expect.poll(() => storedCount(page, cards), { timeout: 15_000 }).toBe(cards.length)
  expect(posts(collector), 'nothing sent before the page hides').toEqual([])

  await page.close({ runBeforeUnload: true })
  await expect
    .poll(() => posts(collector).filter((r) => r.kind === 'beacon').length)
    .toBeGreaterThan(0)

  const next = await context.newPage()
  await openTracker(next, site, collector, { flushInterval: 200, debounceMs: 0 })
  await expect
    .poll(() => undelivered(collector, cards), { timeout: 30_000, message: 'events still missing' })
    .toEqual([])
  await collectorQuiet(collector)

  const beacons = posts(collector).filter((request) => request.kind === 'beacon')
  for (const beacon of beacons) expect(beacon.bytes).toBeLessThanOrEqual(BEACON_BUDGET)
  const beaconBytes = beacons.reduce((sum, beacon) => sum + beacon.bytes, 0)
  expect(beaconBytes, 'one 64 KB budget per page hide').toBeLessThanOrEqual(BEACON_BUDGET)
  const beaconed = beacons.flatMap((beacon) => beacon.eventIds).length
  expect(beaconed, 'the beacons carried events').toBeGreaterThan(0)
  expect(beaconed, 'not everything fits in 64 KB').toBeLessThan(cards.length)
  const fetched = requestsCarrying(collector, cards).filter((request) => request.kind === 'fetch')
  expect(fetched.length, 'the rest came by fetch on the next visit').toBeGreaterThan(0)

  // A beacon is never confirmed, so what it carried stays stored and the next visit sends it
  // again under the same event_id (the server dedups): repeats are allowed for those alone,
  // once, and every other event arrives exactly once.
  await next.evaluate(() => window.tracker.flush())
  await collectorQuiet(collector)
  const beaconedIds = new Set(beacons.flatMap((beacon) => beacon.eventIds))
  const counts = new Map<string, number>()
  for (const event of collector.received) {
    counts.set(event.event_id, (counts.get(event.event_id) ?? 0) + 1)
  }
  const repeatedIds = [...counts].filter(([, n]) => n > 1).map(([id]) => id)
  expect(
    repeatedIds.filter((id) => !beaconedIds.has(id)),
    'only beaconed events come twice',
  ).toEqual([])
  expect(Math.max(...counts.values()), 'no event comes more than twice').toBeLessThanOrEqual(2)
  expect(counts.size, 'every event arrived').toBe(cards.length)
})
