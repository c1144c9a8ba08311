// Each §五 answer in each engine, scripted at the collector (answerNext, setMaxEvents): 503 and
// 429 wait what Retry-After asks, other 5xx back off (and ignore a Retry-After), 413 splits
// the batch until it fits, 400 and 401 drop the batch for good and report it.
import { expect, test } from './fixtures'
import { openTracker, storedCount, trackCards, trackErrors } from './pageTracker'
import {
  collectorQuiet,
  expectDeliveredOnce,
  markers,
  posts,
  requestsCarrying,
} from '../support/tracker'
import type { RecordedRequest } from '../support/collector'

const gaps = (requests: RecordedRequest[]) =>
  requests.slice(1).map((request, index) => request.at - requests[index]!.at)

for (const status of [503, 429]) {
  test(`${status} with Retry-After: 2 — the retry comes 2 s later and delivers once`, async ({
    tab,
    site,
    collector,
  }) => {
    collector.answerNext({ status, retryAfter: '2' })
    // Without the header the first retry would wait under 1 s (back-off bound 1 s).
    await openTracker(tab, site, collector, { batchSize: 3, maxRetryDelay: 5000 })
    const cards = markers(`ra${status}`, 3)
    await trackCards(tab, cards)
    await expectDeliveredOnce(collector, cards)

    const carriers = requestsCarrying(collector, cards)
    expect(carriers.map((request) => request.status)).toEqual([status, 200])
    const [gap] = gaps(carriers)
    expect(gap, 'waited what Retry-After asked').toBeGreaterThanOrEqual(1900)
    expect(gap).toBeLessThan(4000)
    expect(await trackErrors(tab)).toEqual([])
  })
}

test('5xx answers back off with jittered, growing bounds and ignore a Retry-After', async ({
  tab,
  site,
  collector,
}) => {
  // A Retry-After on a 500 is not an ask the SDK honours (only 429/503): 3 s would show.
  collector.answerNext({ status: 500, retryAfter: '3' }, { status: 502 }, { status: 500 })
  await openTracker(tab, site, collector, { batchSize: 3, maxRetryDelay: 5000 })
  const cards = markers('5xx', 3)
  await trackCards(tab, cards)
  await expectDeliveredOnce(collector, cards, 20_000)

  const carriers = requestsCarrying(collector, cards)
  expect(carriers.map((request) => request.status)).toEqual([500, 502, 500, 200])
  // Full jitter: attempt n waits a random time below min(cap, 1 s · 2^(n−1)); 300 ms of slack
  // for the round trip.
  const bounds = [1000, 2000, 4000]
  gaps(carriers).forEach((gap, index) => expect(gap).toBeLessThan(bounds[index]! + 300))
  expect(await trackErrors(tab)).toEqual([])
})

test('413 splits the batch in halves until each part fits, then delivers all once in order', async ({
  tab,
  site,
  collector,
}) => {
  collector.setMaxEvents(2)
  await openTracker(tab, site, collector, { batchSize: 8, flushInterval: 600_000 })
  const cards = markers('split', 8)
  await trackCards(tab, cards)
  await expectDeliveredOnce(collector, cards)

  expect(posts(collector).map((request) => [request.eventIds.length, request.status])).toEqual([
    [8, 413],
    [4, 413],
    [2, 200],
    [2, 200],
    [4, 413],
    [2, 200],
    [2, 200],
  ])
  expect(collector.received.map((event) => event.properties?.card_id)).toEqual(cards)
  expect(await trackErrors(tab)).toEqual([])
})

for (const status of [400, 401]) {
  test(`${status} drops the batch for good, reports it, and later events still go`, async ({
    tab,
    site,
    collector,
  }) => {
    collector.answerNext({ status })
    await openTracker(tab, site, collector, { batchSize: 3, flushInterval: 600_000 })
    const refused = markers(`refused${status}`, 3)
    await trackCards(tab, refused)
    await tab.waitFor(() => window.trackErrors.length > 0, undefined, {
      message: 'the drop was reported',
    })
    expect(await trackErrors(tab)).toEqual([
      { kind: 'rejected', status, message: `HTTP ${status}: 3 event(s) dropped` },
    ])
    // Dropped means deleted from the IndexedDB queue too.
    await expect
      .poll(() => storedCount(tab, refused), { message: 'deleted from the queue' })
      .toBe(0)

    const later = markers(`later${status}`, 3)
    await trackCards(tab, later)
    await expectDeliveredOnce(collector, later)
    await collectorQuiet(collector, 1000)
    const [first, ...rest] = posts(collector)
    expect(first!.status).toBe(status)
    expect(first!.eventIds).toHaveLength(3)
    // Never sent again.
    expect(
      rest.filter((request) => request.eventIds.some((id) => first!.eventIds.includes(id))),
    ).toEqual([])
    expect(collector.received.map((event) => event.properties?.card_id)).toEqual(later)
  })
}
