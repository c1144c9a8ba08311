// The tracker's unit-test harness: an msw collector, fake setTimeout and Date, and trackers that
// each get their own app id and are shut down after every test. Importing it registers the hooks.
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest'
import { createTracker } from '../createTracker'
import type { TrackError, Tracker, TrackerOptions } from '../types'
import { createCollector, ENDPOINT } from './collector'
import { createFakeLocks } from './fakeLocks'

export const collector = createCollector()
beforeAll(() => collector.server.listen({ onUnhandledRequest: 'error' }))
afterAll(() => collector.server.close())

let trackers: Tracker[] = []
let appSeq = 0
/** What the trackers of the current test reported through `onError`. */
export const errors: TrackError[] = []

beforeEach(() => {
  // Web Locks, as in every browser on https, granting a lone tab the lock at once. jsdom has
  // none, and without them a tab leads only once a localStorage lease settled (leader.test.ts).
  Object.defineProperty(navigator, 'locks', { configurable: true, value: createFakeLocks(true) })
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  collector.requests.length = 0
  collector.respond(() => undefined)
  errors.length = 0
})
afterEach(async () => {
  await Promise.all(trackers.map((t) => t.shutdown()))
  trackers = []
  vi.useRealTimers()
  localStorage.clear()
})

/** A tracker on its own app id, so no test sees another's stored events. */
export function makeTracker(options: Partial<TrackerOptions> = {}): Tracker {
  const tracker = createTracker({
    endpoint: ENDPOINT,
    appId: `app_${++appSeq}`,
    secret: 'test_secret',
    persist: false,
    compress: false,
    flushInterval: 60_000,
    onError: (error) => errors.push(error),
    ...options,
  })
  trackers.push(tracker)
  return tracker
}

/**
 * Lets the deferred drain, the store and msw run without moving the clock. Only setTimeout
 * and Date are faked; msw and fake-indexeddb also need real turns of the event loop. (gzip
 * runs on Node's thread pool, so tests that advance the clock leave `compress` off.)
 */
export const settle = async () => {
  for (let i = 0; i < 12; i++) {
    await vi.advanceTimersByTimeAsync(0)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Moves the fake clock by `ms` in steps, settling after each so retries really go out. */
export const advance = async (ms: number, step = Math.max(100, Math.ceil(ms / 100))) => {
  for (let passed = 0; passed < ms; passed += step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, ms - passed))
    await settle()
  }
}

/** Tracks `count` card clicks, card_<from> onwards. */
export const cards = (tracker: Tracker, count: number, from = 0) => {
  for (let i = from; i < from + count; i++) tracker.track('card_click', { card_id: `card_${i}` })
}

/** The card ids the collector received, in order of arrival. */
export const cardIds = () => collector.events.map((e) => e.properties.card_id)
