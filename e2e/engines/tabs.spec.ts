// Two tabs of one app in each engine: they share one IndexedDB queue and only one sends — the
// holder of the Web Lock where the engine has Web Locks, else the holder of the localStorage
// lease. A slow collector widens the window in which a second sender would put an event_id
// on the wire twice.
import { expect, test } from './fixtures'
import type { EnginePage } from './driver'
import { openTracker, trackCards } from './pageTracker'
import { expectDeliveredOnce, markers, posts } from '../support/tracker'

test.use({ collectorDelayMs: 200 })

/** How this origin elects its sending tab, and how many tabs hold the election now. */
const election = (tab: EnginePage) =>
  tab.evaluate(async () => {
    if (navigator.locks) {
      const { held = [] } = await navigator.locks.query()
      return {
        path: 'web-locks',
        holders: held.filter((lock) => lock.name === 'trackpoint:e2e_app').length,
      }
    }
    return {
      path: 'lease',
      holders: localStorage.getItem('trackpoint:e2e_app:sender') ? 1 : 0,
    }
  })

test('two tabs tracking at once deliver every event once, with one sending tab', async ({
  tab,
  newTab,
  site,
  collector,
  engine,
}) => {
  const other = await newTab()
  const options = { batchSize: 5, flushInterval: 250 }
  await openTracker(tab, site, collector, options)
  await openTracker(other, site, collector, options)
  const hasLocks = await tab.evaluate(() => typeof navigator.locks === 'object')
  const cardsA = markers('tab-a', 30)
  const cardsB = markers('tab-b', 30)
  // Six rounds of five per tab, so tracking overlaps the 200 ms requests of both tabs. Not a
  // timer in the page: a background tab's timers are throttled to 1 s in Firefox and WebKit.
  for (let round = 0; round < 6; round++) {
    const part = (cards: string[]) => cards.slice(round * 5, round * 5 + 5)
    await Promise.all([trackCards(tab, part(cardsA)), trackCards(other, part(cardsB))])
  }
  await expectDeliveredOnce(collector, [...cardsA, ...cardsB], 20_000)
  await Promise.all([tab, other].map((page) => page.evaluate(() => window.tracker.flush())))
  await expectDeliveredOnce(collector, [...cardsA, ...cardsB])

  const seen = await election(other)
  console.log(`[engines] ${engine.name}: sending tab elected by ${seen.path}`)
  expect(seen).toEqual({ path: hasLocks ? 'web-locks' : 'lease', holders: 1 })
  expect(posts(collector).length, 'the events went in several requests').toBeGreaterThan(1)
  expect(collector.concurrentDuplicates, 'event_ids in two in-flight requests at once').toEqual([])
  expect(await tab.errors()).toEqual([])
  expect(await other.errors()).toEqual([])
})
