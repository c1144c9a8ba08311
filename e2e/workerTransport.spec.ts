// Requests are gzipped and sent from a dedicated worker so the page's main thread does not pay
// for them; a Content-Security-Policy that refuses blob: workers must not cost any event.
import { expect, test } from './support/fixtures'
import { expectDeliveredOnce, markers, openTracker, posts, trackCards } from './support/tracker'

test('sends batches from a dedicated worker, gzipped', async ({ page, site, collector }) => {
  const workers: string[] = []
  page.on('worker', (worker) => workers.push(worker.url()))
  await openTracker(page, site, collector, { batchSize: 5 })
  const cards = markers('worker', 5)
  await trackCards(page, cards)
  await expectDeliveredOnce(collector, cards, 10_000)
  expect(workers).toEqual([expect.stringMatching(/^blob:/)])
  expect(posts(collector).every((request) => request.encoding === 'gzip')).toBe(true)
})

test('falls back to sending from the page when a CSP refuses blob: workers', async ({
  page,
  site,
  collector,
}) => {
  const workers: string[] = []
  page.on('worker', (worker) => workers.push(worker.url()))
  const violations: string[] = []
  page.on('console', (message) => violations.push(message.text()))
  await openTracker(page, site, collector, { batchSize: 5 }, "worker-src 'none'")
  const cards = markers('csp', 5)
  await trackCards(page, cards)
  await expectDeliveredOnce(collector, cards, 10_000)
  expect(workers, 'the CSP kept the worker from starting').toEqual([])
  expect(violations.join('\n')).toMatch(/Content Security Policy/i)
})
