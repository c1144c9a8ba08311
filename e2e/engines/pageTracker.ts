// The tracker page of e2e/support/site.ts driven through an EnginePage: the engine-neutral
// counterparts of support/tracker.ts's Playwright helpers (which the collector-side helpers
// of that module are shared with).
import type { Collector } from '../support/collector'
import type { Site } from '../support/site'
import { APP_ID, SECRET, storedText, type PageTrackerOptions } from '../support/tracker'
import type { EnginePage } from './driver'

/**
 * Opens the tracker page with the test app's credentials (rate limit lifted, retries ≤ 1 s).
 * `mapUrl` rewrites the page's URL (EngineDriver.insecure: the same site on a plain-http name).
 */
export async function openTracker(
  tab: EnginePage,
  site: Site,
  collector: Collector,
  options: Partial<PageTrackerOptions> = {},
  mapUrl: (url: string) => string = (url) => url,
): Promise<void> {
  const full: PageTrackerOptions = {
    endpoint: collector.url,
    appId: APP_ID,
    secret: SECRET,
    rateLimitPerSecond: 100_000,
    maxRetryDelay: 1000,
    ...options,
  }
  await tab.goto(mapUrl(site.trackerUrl(full)))
  const created = await tab.evaluate(() => typeof window.tracker)
  if (created !== 'object') throw new Error(`createTracker did not run: ${created}`)
}

/** Tracks one `card_click` per marker, `spacingMs` apart in the page. */
export const trackCards = (tab: EnginePage, cardIds: string[], spacingMs = 0): Promise<void> =>
  tab.evaluate(
    async ({ cardIds, spacingMs }) => {
      for (const card_id of cardIds) {
        window.tracker.track('card_click', { card_id })
        if (spacingMs) await new Promise((resolve) => setTimeout(resolve, spacingMs))
      }
    },
    { cardIds, spacingMs },
  )

/** What the tracker reported through `onError` in this page. */
export const trackErrors = (tab: EnginePage) => tab.evaluate(() => window.trackErrors)

/** How many of `cardIds` the page's IndexedDB holds (support/tracker.ts's storedText). */
export async function storedCount(tab: EnginePage, cardIds: string[]): Promise<number> {
  const text = await tab.evaluate(storedText)
  return cardIds.filter((cardId) => text.includes(cardId)).length
}
