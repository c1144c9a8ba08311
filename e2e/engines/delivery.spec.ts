// Batching and the wire format in each engine: events leave in batches of `batchSize`,
// gzipped where the engine has CompressionStream (and plain JSON where it has not), and a page
// that loads the SDK reports no error.
import { expect, test } from './fixtures'
import { openTracker, trackCards, trackErrors } from './pageTracker'
import { collectorQuiet, expectDeliveredOnce, markers, posts } from '../support/tracker'

test('events leave in batches of batchSize, gzipped where CompressionStream exists', async ({
  tab,
  site,
  collector,
  engine,
}) => {
  // No timer: only a full batch sends. A request holds at most 5 events.
  await openTracker(tab, site, collector, {
    batchSize: 5,
    maxBatchEvents: 5,
    flushInterval: 600_000,
  })
  const hasCompression = await tab.evaluate(() => typeof CompressionStream === 'function')
  console.log(`[engines] ${engine.name}: CompressionStream ${hasCompression ? 'yes' : 'no'}`)
  const cards = markers('batch', 15)
  await trackCards(tab, cards)
  await expectDeliveredOnce(collector, cards)

  const sent = posts(collector)
  expect(sent.map((request) => request.eventIds.length)).toEqual([5, 5, 5])
  for (const request of sent) {
    expect(request.kind).toBe('fetch')
    expect(request.path).toBe('/api/v1/track')
    expect(request.contentType).toMatch(/^application\/json/)
    expect(request.encoding).toBe(hasCompression ? 'gzip' : undefined)
  }
  // In order, as tracked.
  expect(collector.received.map((event) => event.properties?.card_id)).toEqual(cards)

  // Four more do not fill a batch: nothing leaves until the fifth.
  const more = markers('more', 5)
  await trackCards(tab, more.slice(0, 4))
  await collectorQuiet(collector, 1000)
  expect(posts(collector)).toHaveLength(3)
  await trackCards(tab, more.slice(4))
  await expectDeliveredOnce(collector, [...cards, ...more])
  expect(posts(collector).map((request) => request.eventIds.length)).toEqual([5, 5, 5, 5])
  expect(await trackErrors(tab)).toEqual([])
  expect(await tab.errors()).toEqual([])
})
