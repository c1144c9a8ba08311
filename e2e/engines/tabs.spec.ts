// Two tabs of one app in each engine: they share one IndexedDB queue and only one sends — the
// holder of the Web Lock where the engine has Web Locks, else the holder of the localStorage
// lease. Every engine has Web Locks on http://127.0.0.1, so the lease fallback is shown on a
// plain-http origin (EngineDriver.insecure), where none has them. A slow collector widens the
// window in which a second sender would put an event_id on the wire twice.
import { expect, test } from './fixtures'
import type { EnginePage } from './driver'
import { openTracker, trackCards } from './pageTracker'
import { expectDeliveredOnce, markers, posts, requestsCarrying } from '../support/tracker'

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

/** Who holds the sending-tab lease, as `tab` reads it (each tab has an id of its own). */
const leaseHolder = (tab: EnginePage) =>
  tab.evaluate(() => localStorage.getItem('trackpoint:e2e_app:sender')?.split(' ')[0] ?? null)

test('on plain http, without Web Locks, the localStorage lease elects one sender, which hands over when it closes', async ({
  tab,
  newTab,
  site,
  collector,
  engine,
}) => {
  const other = await newTab()
  const options = { batchSize: 5, flushInterval: 250 }
  await openTracker(tab, site, collector, options, engine.insecure)
  await openTracker(other, site, collector, options, engine.insecure)
  for (const page of [tab, other]) {
    expect(
      await page.evaluate(() => ({ secure: isSecureContext, locks: typeof navigator.locks })),
    ).toEqual({ secure: false, locks: 'undefined' })
  }
  const cardsA = markers('lease-a', 20)
  const cardsB = markers('lease-b', 20)
  for (let round = 0; round < 4; round++) {
    const part = (cards: string[]) => cards.slice(round * 5, round * 5 + 5)
    await Promise.all([trackCards(tab, part(cardsA)), trackCards(other, part(cardsB))])
  }
  // A tab leads a beat (5 s) after it took the lease.
  await expectDeliveredOnce(collector, [...cardsA, ...cardsB], 20_000)
  expect(await election(other)).toEqual({ path: 'lease', holders: 1 })
  const holder = await leaseHolder(other)
  expect(holder).toBe(await leaseHolder(tab))
  console.log(`[engines] ${engine.name}: on plain http the sending tab is elected by lease`)

  // The holder is the tab that took the lease first (tab); closing it fires pagehide.
  await tab.close()
  const after = markers('lease-after', 5)
  await trackCards(other, after)
  await expectDeliveredOnce(collector, [...cardsA, ...cardsB, ...after], 30_000)
  expect(await leaseHolder(other), 'the lease changed hands').not.toBe(holder)
  expect(requestsCarrying(collector, after).length).toBeGreaterThan(0)
  expect(collector.concurrentDuplicates, 'event_ids in two in-flight requests at once').toEqual([])
  expect(await other.errors()).toEqual([])
})
