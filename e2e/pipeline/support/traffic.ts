// Bounded traffic from a page of the script-tag example: `count` events, one every `everyMs`,
// through the page's own tracker (`window.tracker`), so the SDK batches, persists and retries
// them as it would a user's. Stops by itself. The events vary so that none is debounced
// (identical events within 300 ms count once, §十一).
import type { Page } from '@playwright/test'
import { waitUntil } from './waitUntil'

/** Options of {@link startTraffic}. */
export interface TrafficOptions {
  /** Events to track. */
  count: number
  /** Ms between two events. */
  everyMs: number
  /** Goes into ids (`act_<tag>_3`, `dlv_<tag>_3`) to keep scenarios apart. */
  tag: string
}

/** Starts tracking in the page; returns at once. */
export async function startTraffic(page: Page, options: TrafficOptions): Promise<void> {
  await page.waitForFunction(() => 'tracker' in window)
  await page.evaluate(({ count, everyMs, tag }) => {
    const w = window as unknown as {
      tracker: { track(name: string, props: object): void }
      trafficSent: number
      trafficLimit: number
    }
    w.trafficSent = 0
    w.trafficLimit = count
    const timer = setInterval(() => {
      if (w.trafficSent >= w.trafficLimit) return clearInterval(timer)
      const i = w.trafficSent++
      const k = i % 10
      if (i % 3 === 0) w.tracker.track('action_start', { action_id: `act_${tag}_${k}` })
      else if (i % 3 === 1) {
        w.tracker.track('recommend_impression', {
          delivery_id: `dlv_${tag}_${k}`,
          content_type: 'action',
        })
      } else w.tracker.track('navbar_click', { target: `${tag}_${i}` })
      if (w.trafficSent >= w.trafficLimit) clearInterval(timer)
    }, everyMs)
  }, options)
}

/**
 * Ends the page's traffic before its count (a scenario that needs traffic for as long as its
 * faults last); resolves with how many events the page tracked.
 */
export async function stopTraffic(page: Page): Promise<number> {
  return page.evaluate(() => {
    const w = window as unknown as { trafficSent: number; trafficLimit: number }
    w.trafficLimit = w.trafficSent
    return w.trafficSent
  })
}

/** Resolves once the page tracked all of its traffic. */
export async function trafficDone(page: Page, count: number, timeout = 60_000): Promise<void> {
  await waitUntil(
    () =>
      page.evaluate((n) => (window as unknown as { trafficSent: number }).trafficSent >= n, count),
    { timeout, what: `the page to track ${count} events` },
  )
}
