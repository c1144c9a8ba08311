// On page hide the SDK has no time for fetch + retries: pending events leave by
// navigator.sendBeacon, as a plain JSON text body (a beacon carries no Content-Encoding).
import type { Page } from '@playwright/test'
import { expect, test } from './support/fixtures'
import type { Site } from './support/site'
import {
  expectDeliveredOnce,
  markers,
  openTracker,
  posts,
  requestsCarrying,
  trackCards,
} from './support/tracker'

// Nothing is sent before the page hides: the batch never fills and the timer never fires.
const holdEverything = { batchSize: 1000, flushInterval: 600_000 }

const leaveBy: [string, (page: Page, site: Site) => Promise<unknown>][] = [
  ['closing the page', (page) => page.close({ runBeforeUnload: true })],
  ['navigating away', (page, site) => page.goto(site.blankUrl)],
]

for (const [how, leave] of leaveBy) {
  test(`${how} delivers pending events by beacon`, async ({ page, site, collector }) => {
    await openTracker(page, site, collector, holdEverything)
    const cards = markers('hide', 5)
    await trackCards(page, cards)
    expect(posts(collector), 'nothing sent before the page hides').toEqual([])

    await leave(page, site)

    await expectDeliveredOnce(collector, cards, 10_000)
    const carriers = requestsCarrying(collector, cards)
    expect(carriers.map((request) => request.kind)).toEqual(carriers.map(() => 'beacon'))
    for (const request of carriers) {
      expect(request.contentType).toMatch(/^text\/plain/i)
      expect(request.encoding, 'beacons are never gzipped').toBeUndefined()
    }
  })
}
