// Drives the tracker inside a page and reads what reached the collector. Events are
// `card_click` with a unique `card_id` (the "marker"), so no two are identical (debounce) and
// each can be followed from track() to the collector whatever event_id the SDK gave it.
import { expect, type Page } from '@playwright/test'
import type { TrackerOptions } from '@trackpoint/core'
import type { Collector, ReceivedEvent, RecordedRequest } from './collector'
import type { Site } from './site'

export const APP_ID = 'e2e_app'
export const SECRET = 'e2e_secret'

/** Options that survive JSON in the page URL (functions and RegExps do not). */
export type PageTrackerOptions = Omit<
  TrackerOptions,
  'onError' | 'plugins' | 'sign' | 'forbiddenKeys'
>

interface PageTracker {
  track(name: string, properties: Record<string, unknown>): void
  flush(): Promise<void>
  shutdown(): Promise<void>
}

declare global {
  interface Window {
    tracker: PageTracker
    trackErrors: { kind: string; message: string; status?: number }[]
  }
}

/**
 * Opens the tracker page with the test app's credentials. Rate limiting is lifted because
 * the specs track bursts of one event name; retries are capped at 1 s to keep runs short.
 */
export async function openTracker(
  page: Page,
  site: Site,
  collector: Collector,
  options: Partial<PageTrackerOptions> = {},
  csp?: string,
): Promise<void> {
  const full: PageTrackerOptions = {
    endpoint: collector.url,
    appId: APP_ID,
    secret: SECRET,
    rateLimitPerSecond: 100_000,
    maxRetryDelay: 1000,
    ...options,
  }
  await page.goto(site.trackerUrl(full, csp))
  expect(await page.evaluate(() => typeof window.tracker), 'createTracker ran').toBe('object')
}

/** Markers `${prefix}-000` … : zero-padded so that no marker is a prefix of another. */
export const markers = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(3, '0')}`)

/**
 * Tracks one `card_click` per marker. `padding` adds that many bytes of properties, and
 * `spacingMs` spreads the calls out in the page so they interleave with sends.
 */
export async function trackCards(
  page: Page,
  cardIds: string[],
  { padding = 0, spacingMs = 0 }: { padding?: number; spacingMs?: number } = {},
): Promise<void> {
  await page.evaluate(
    async ({ cardIds, padding, spacingMs }) => {
      for (const card_id of cardIds) {
        window.tracker.track(
          'card_click',
          padding ? { card_id, note: 'x'.repeat(padding) } : { card_id },
        )
        if (spacingMs) await new Promise((resolve) => setTimeout(resolve, spacingMs))
      }
    },
    { cardIds, padding, spacingMs },
  )
}

/**
 * Every database and object store of the page's IndexedDB, as JSON text (run in the page;
 * the three-engine suite runs it too). Reading everything keeps callers free of the SDK's
 * store layout.
 */
export async function storedText(): Promise<string> {
  const request = <T>(r: IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
  const parts: string[] = []
  for (const { name } of await indexedDB.databases()) {
    if (!name) continue
    const db = await request(indexedDB.open(name))
    // Give way at once if the SDK wants to upgrade its database while we read.
    db.onversionchange = () => db.close()
    for (const storeName of Array.from(db.objectStoreNames)) {
      const store = db.transaction(storeName, 'readonly').objectStore(storeName)
      parts.push(JSON.stringify(await request(store.getAll())))
    }
    db.close()
  }
  return parts.join('\n')
}

/**
 * How many of `cardIds` the page's IndexedDB holds, whatever the SDK's store layout: every
 * database and object store is read and searched for the markers.
 */
export async function storedCount(page: Page, cardIds: string[]): Promise<number> {
  const text = await page.evaluate(storedText)
  return cardIds.filter((cardId) => text.includes(cardId)).length
}

export const cardIdOf = (event: ReceivedEvent): unknown => event.properties?.card_id

/** Marker → how many accepted events carry it. */
export function deliveryCounts(collector: Collector, cardIds: string[]): Map<string, number> {
  const counts = new Map(cardIds.map((cardId) => [cardId, 0]))
  for (const event of collector.received) {
    const cardId = cardIdOf(event)
    if (typeof cardId === 'string' && counts.has(cardId)) {
      counts.set(cardId, (counts.get(cardId) ?? 0) + 1)
    }
  }
  return counts
}

export const undelivered = (collector: Collector, cardIds: string[]): string[] =>
  [...deliveryCounts(collector, cardIds)].filter(([, n]) => n === 0).map(([cardId]) => cardId)

/**
 * Waits until the collector has had no request for `quietMs`. A duplicate typically trails
 * the original by a few ms (a second beacon, a retry), so "exactly once" is only checked once
 * the browser has stopped sending.
 */
export async function collectorQuiet(collector: Collector, quietMs = 500): Promise<void> {
  const lastAt = () => collector.requests.at(-1)?.at ?? 0
  await expect
    .poll(() => Date.now() - lastAt(), { message: 'the collector became quiet', timeout: 10_000 })
    .toBeGreaterThanOrEqual(quietMs)
}

/**
 * Waits until every marker arrived and the browser stopped sending, then asserts none arrived
 * twice and no event_id repeats.
 */
export async function expectDeliveredOnce(
  collector: Collector,
  cardIds: string[],
  timeout = 20_000,
): Promise<void> {
  try {
    await expect
      .poll(() => undelivered(collector, cardIds), { timeout, message: 'events still missing' })
      .toEqual([])
  } catch (error) {
    // The requests the collector saw, so a failure in CI says whether the page never sent,
    // sent and was refused, or beaconed the events away.
    console.log(`[tracker] requests seen before the failure:\n${requestLog(collector)}`)
    throw error
  }
  await collectorQuiet(collector)
  const repeated = [...deliveryCounts(collector, cardIds)].filter(([, n]) => n > 1)
  expect(repeated, 'events delivered more than once').toEqual([])
  const ids = collector.received.map((event) => event.event_id)
  const seen = new Set<string>()
  expect(
    ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false))),
    'event_ids received more than once',
  ).toEqual([])
}

/** One line per request the collector saw: when (ms after the first), kind, status, events. */
export function requestLog(collector: Collector): string {
  const first = collector.requests[0]?.at ?? 0
  return collector.requests
    .map(
      (request) =>
        `+${request.at - first} ms ${request.kind} ${request.method} ${request.path} → ${request.status}, ${request.eventIds.length} event(s)`,
    )
    .join('\n')
}

/** POSTs of events (preflights left out). */
export const posts = (collector: Collector): RecordedRequest[] =>
  collector.requests.filter((request) => request.kind !== 'preflight')

/** Requests that carried one of `cardIds`' events, found through the accepted event_ids. */
export function requestsCarrying(collector: Collector, cardIds: string[]): RecordedRequest[] {
  const wanted = new Set(cardIds)
  const ids = new Set(
    collector.received
      .filter((event) => wanted.has(String(cardIdOf(event))))
      .map((event) => event.event_id),
  )
  return posts(collector).filter((request) => request.eventIds.some((id) => ids.has(id)))
}
