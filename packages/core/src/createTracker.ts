import { isForbiddenKey } from '@trackpoint/schema'
import { initialConsent } from './consent'
import { createDelivery, ENVELOPE_RESERVE } from './delivery'
import type { QueuedEvent } from './eventQueue'
import { createEventQueue } from './eventQueue'
import {
  createDebouncer,
  createDropReport,
  createRateLimiter,
  createScrubber,
  toJson,
} from './guards'
import { createIdentity } from './identity'
import { electLeader } from './leader'
import { createReporter } from './reporter'
import { isSampledIn } from './sampling'
import { resolveOptions } from './options'
import { createLocalStore } from './localStore'
import { createMemoryStore, createPersistentStore } from './storage'
import { DEBUG_PATH, TRACK_PATH } from './transport'
import type { Consent, TrackedEvent, Tracker, TrackerOptions } from './types'
import { utf8Length } from './utf8Length'
import { createEventIds } from './uuid'

declare const __SDK_VERSION__: string
/** The version of @trackpoint/core, sent as `sdk_version`. */
export const SDK_VERSION: string = typeof __SDK_VERSION__ === 'string' ? __SDK_VERSION__ : 'dev'

/**
 * How long (ms) the deferred drain serialises before it stores what it has and leaves the rest
 * to the next task: a burst of 1,000 `track()` calls drained at once held a 4×-throttled CPU
 * for 45–80 ms (docs/benchmarks.md). Storing a slice costs about as much again, and a slice
 * ends only on a segment, so a task takes two to three times this. By time, not by count: a
 * fast machine still stores a burst in a few IndexedDB transactions, each of which costs the
 * main thread too (4 ms slices made the 10,000-call benchmark ~13 % dearer, 8 ms ~7 %).
 */
const DRAIN_SLICE_MS = 8

/**
 * Most events kept in memory while consent is pending; past it the oldest are dropped (and
 * reported, `kind: 'dropped'`), as the queue does past its bounds. ~1,000 events are a long
 * visit's worth and a few hundred KB of memory.
 */
export const MAX_WAITING_EVENTS = 1000

/** A tracker that does nothing, for Node and server-side rendering. */
const inertTracker = (consent: Consent): Tracker => {
  const nothing = () => undefined
  const settled = async () => undefined
  return {
    track: nothing,
    identify: nothing,
    reset: nothing,
    optOut: nothing,
    optIn: nothing,
    setConsent: nothing,
    onConsentChange: () => nothing,
    optedOut: consent === 'denied',
    consent,
    flush: settled,
    shutdown: settled,
    userId: '',
    sessionId: '',
  }
}

/**
 * Creates a tracker. Throws only for programmer errors in `options` (a missing `endpoint`
 * or `appId`); after that nothing it does throws into the app. Outside a browser (Node, SSR)
 * it returns a tracker whose methods do nothing.
 *
 * @example
 * ```ts
 * const tracker = createTracker({ endpoint: 'https://collect.example.com', appId: 'onchain_app', sign })
 * tracker.track('card_click', { card_id: 'c_42' })
 * ```
 */
export function createTracker(options: TrackerOptions): Tracker {
  if (!options?.endpoint || !options.appId) {
    throw new Error('[trackpoint] createTracker needs `endpoint` and `appId`')
  }
  let consent = initialConsent(options)
  if (typeof window === 'undefined' || typeof document === 'undefined') return inertTracker(consent)

  const o = resolveOptions(options)
  const { appId, debug, maxBatchBytes, maxBatchEvents, debounceMs, sampleRate } = o
  const plugins = o.plugins ?? []
  const reporter = createReporter(debug, o.onError)
  const granted = () => consent === 'granted'
  /** Where the decision is kept: always writable, unlike the ids. */
  const decisions = createLocalStore(appId)
  const identity = createIdentity(appId, o.sessionTimeout, o.sessionMaxAge, granted)
  const scrub = createScrubber((key) => isForbiddenKey(key, o.forbiddenKeys))
  const allow = createRateLimiter(o.rateLimitPerSecond, o.rateLimitBurst)
  const dropped = createDropReport((name, count) =>
    reporter.error({
      kind: 'dropped',
      count,
      message: `${name}: ${count} event(s) over the rate limit`,
    }),
  )
  const isRepeat = createDebouncer(debounceMs)
  const unconsented = createDropReport((_, count) =>
    reporter.error({
      kind: 'dropped',
      count,
      message: `${count} event(s) over ${MAX_WAITING_EVENTS} waiting for consent`,
    }),
  )

  /**
   * This tab's events live in its memory (`persist: false`, or IndexedDB failed for good): no
   * other tab can read them, so it sends them itself and takes no part in the election.
   */
  let inMemory = !o.persist
  /** Gives the sending-tab lock up (set by the election below). */
  let releaseLeadership = (): void => undefined
  const store = o.persist
    ? createPersistentStore(appId, (cause) => {
        reporter.error({ kind: 'storage', message: 'IndexedDB failed', cause })
        // No other tab can read this tab's memory, so it sends its own events; and it gives the
        // sending-tab lock up, so that a tab whose IndexedDB works sends what is stored there
        // (other tabs' events, and this tab's earlier ones, which it forgets).
        inMemory = true
        queue.forgetStored()
        releaseLeadership()
        void delivery.lead()
      })
    : createMemoryStore()
  const queue = createEventQueue(store, o, (count, kind) =>
    reporter.error({ kind, count, message: `${count} event(s) ${kind}` }),
  )
  const delivery = createDelivery(
    queue,
    o,
    o.endpoint.replace(/\/+$/, '') + (debug ? DEBUG_PATH : TRACK_PATH),
    { sdk_version: SDK_VERSION, app_version: o.appVersion },
    reporter,
  )

  const eventId = createEventIds()
  const pending: TrackedEvent[] = []
  let drainScheduled = false
  let stopped = false
  let sampled = isSampledIn(identity.userId, sampleRate)

  /**
   * The deferred half of `track()`: serialise, persist, then let delivery decide when to send.
   * Runs once per macrotask however many events were tracked in it, for ~DRAIN_SLICE_MS: the
   * rest in the next task, so input and rendering run in between. `all` at once on page exit
   * and while hidden (no one is waiting then, and timers there may run once a minute).
   */
  const drain = (all = document.visibilityState === 'hidden') => {
    drainScheduled = false
    // Until consent is given, events wait in memory: never stored, never sent.
    if (!pending.length || !granted()) return
    // Events tracked after another tab's reset() get the new ids before they are serialised.
    identity.save(pending)
    const start = performance.now()
    const queued: QueuedEvent[] = []
    let i = 0
    // A slice ends only on a segment boundary (read the clock once per segment): a stored
    // segment that a batch takes only in part is written again, which costs more than the slice.
    while (
      i < pending.length &&
      (all || i % maxBatchEvents || performance.now() - start < DRAIN_SLICE_MS)
    ) {
      const event = pending[i++]!
      const json = toJson(event)
      const bytes = json ? utf8Length(json) : 0
      if (json && bytes <= maxBatchBytes - ENVELOPE_RESERVE) {
        queued.push({ id: event.event_id, t: event.timestamp, json, bytes })
      } else {
        reporter.error({
          kind: 'invalid',
          count: 1,
          message: `${event.event_name}: too large or not serialisable`,
        })
      }
    }
    pending.splice(0, i)
    if (pending.length) drainLater()
    if (o.sign) delivery.prepareExit()
    return queue
      .write(queued, () => delivery.leader, delivery.inFlight)
      .then(() => (delivery.leader ? delivery.schedule() : channel?.postMessage('stored')))
      .catch((cause: unknown) =>
        reporter.error({ kind: 'internal', message: 'Queueing failed', cause }),
      )
  }

  /** Drains in the next task: once for all the events tracked in this one. */
  const drainLater = () => {
    if (!drainScheduled) setTimeout(drain, 0)
    drainScheduled = true
  }

  const onHide = () => {
    // Opted out or not yet asked: no beacon either (a write that ended after the opt-out's
    // delete can leave a batch in memory; this page must not send it on its way out).
    if (!granted()) return
    // Everything, now: the exit beacon carries what the queue holds.
    void drain(true)
    delivery.exit()
  }
  // Leaving the page also gives the sending-tab lock up: the next page of the site asks for it,
  // and Chromium keeps a page holding a contended Web Lock out of the back/forward cache
  // ("weblocks-contention"). A page restored from that cache takes part in the election again.
  const onPageHide = () => {
    onHide()
    delivery.resign()
    releaseLeadership()
  }
  const onShow = (event?: PageTransitionEvent) => {
    delivery.resume()
    if (event?.persisted && granted()) releaseLeadership = elect()
  }
  const onVisibility = () => (document.visibilityState === 'hidden' ? onHide() : onShow())
  // `pagehide` and `visibilitychange`, never `unload`/`beforeunload`: those break the
  // back/forward cache and do not fire on mobile when a tab is swiped away.
  // https://developer.chrome.com/docs/web-platform/page-lifecycle-api
  addEventListener('pagehide', onPageHide)
  addEventListener('pageshow', onShow)
  document.addEventListener('visibilitychange', onVisibility)

  // Tabs that do not send tell the one that does when they stored events.
  const channel =
    typeof BroadcastChannel === 'function' ? new BroadcastChannel(`trackpoint:${appId}`) : undefined
  if (channel) channel.onmessage = () => void delivery.reload()

  const elect = () => {
    const lead = () => {
      if (!stopped) void delivery.lead()
    }
    if (inMemory) {
      lead()
      return () => undefined
    }
    // Lost without release() (the localStorage lease went to another tab): stop sending.
    return electLeader(`trackpoint:${appId}`, lead, () => delivery.resign())
  }
  // Only a tab that may send takes part in the election (and only it opens IndexedDB).
  if (granted()) releaseLeadership = elect()

  const listeners = new Set<(consent: Consent) => void>()
  /** Opted out: what waits in memory, the stored queue and the ids go; this tab stops sending. */
  const forget = () => {
    pending.length = 0
    releaseLeadership()
    delivery.resign(true)
    // Events are stored only after consent, which stores the anonymous id: without one there
    // is nothing to delete, and opening IndexedDB to look would create its database.
    if (decisions.get('anon'))
      void queue
        .clear()
        .catch((cause: unknown) =>
          reporter.error({ kind: 'storage', message: 'IndexedDB failed', cause }),
        )
    identity.forget()
    sampled = isSampledIn(identity.userId, sampleRate)
  }
  // Denied from the start (Global Privacy Control, or an opt-out that a closing tab could not
  // finish) while an earlier visit stored ids: delete them and the queue now.
  if (consent === 'denied') forget()

  /**
   * Applies a consent decision: `denied` drops what waits in memory, deletes the stored queue
   * and the ids and stops sending; `granted` stores the ids and sends what waited. `stored`:
   * the decision came from another tab, which already stored it. The order of the writes lets
   * the other tabs follow: they see the ids before a grant, and an opt-out while they still
   * see the ids (so they delete what they stored meanwhile too).
   */
  const decide = (next: Consent, stored?: boolean) => {
    const changed = next !== consent
    consent = next
    if (changed && next === 'granted') {
      identity.persist()
      releaseLeadership = elect()
      drainLater()
    }
    // Also when unchanged (the default, or Global Privacy Control): the answer is kept.
    if (!stored) decisions.set('consent', next)
    if (changed) {
      if (next === 'denied') forget()
      for (const listener of listeners) {
        try {
          listener(next)
        } catch (cause) {
          reporter.error({ kind: 'internal', message: 'onConsentChange listener failed', cause })
        }
      }
    }
  }
  /** A decision taken in another tab of the app applies here too. */
  const onStorage = ({ key, newValue }: StorageEvent) => {
    if (key === decisions.key('consent') && (newValue === 'granted' || newValue === 'denied'))
      decide(newValue, true)
  }
  addEventListener('storage', onStorage)

  const tracker: Tracker = {
    track(name, properties) {
      if (stopped || consent === 'denied') return
      try {
        if (typeof name !== 'string' || !name) {
          reporter.error({ kind: 'invalid', message: 'track() needs an event name' })
          return
        }
        const now = Date.now()
        if (!allow(name, now)) return dropped(name)
        if (!sampled) return
        const props = scrub((properties ?? {}) as Record<string, unknown>)
        if (debounceMs > 0 && isRepeat(name, props, now)) return
        let event: TrackedEvent | null = {
          event_id: eventId(now),
          event_name: name,
          user_id: identity.userId,
          anonymous_id: identity.anonymousId,
          timestamp: now,
          platform: 'web',
          page: location.pathname,
          session_id: identity.sessionId(now),
          // After session_id: this event may start the session, whose landing page it is.
          properties: name === 'page_view' ? { ...identity.attribution, ...props } : props,
        }
        for (const plugin of plugins) if (!(event = plugin(event))) return
        if (pending.push(event) > MAX_WAITING_EVENTS && consent === 'pending') {
          pending.shift()
          unconsented('')
        }
        drainLater()
      } catch (cause) {
        reporter.error({ kind: 'internal', message: 'track() failed', cause })
      }
    },
    identify(userId) {
      if (typeof userId !== 'string' || !userId) {
        reporter.error({ kind: 'invalid', message: 'identify() needs a user id' })
        return
      }
      const linked = identity.identify(userId)
      sampled = isSampledIn(userId, sampleRate)
      // The link anonymous id → user id, once: the server counts the two as one person.
      if (linked) tracker.track('user_identify', {})
    },
    reset() {
      identity.reset()
      sampled = isSampledIn(identity.userId, sampleRate)
    },
    optOut: () => decide('denied'),
    optIn: () => decide('granted'),
    setConsent(next) {
      if (next === 'granted' || next === 'denied') decide(next)
      else reporter.error({ kind: 'invalid', message: "setConsent() takes 'granted' or 'denied'" })
    },
    onConsentChange(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    get optedOut() {
      return consent === 'denied'
    },
    get consent() {
      return consent
    },
    async flush() {
      try {
        for (let slice; (slice = drain());) await slice
        // A drain that a timer started may still be writing: its events go in this flush too.
        await queue.written()
        await delivery.flush()
      } catch (cause) {
        reporter.error({ kind: 'internal', message: 'flush() failed', cause })
      }
    },
    async shutdown() {
      await tracker.flush()
      stopped = true
      delivery.stop()
      identity.stop()
      releaseLeadership()
      removeEventListener('pagehide', onPageHide)
      removeEventListener('pageshow', onShow)
      removeEventListener('storage', onStorage)
      document.removeEventListener('visibilitychange', onVisibility)
      channel?.close()
    },
    get userId() {
      return identity.userId
    },
    get sessionId() {
      return identity.sessionId(Date.now(), false)
    },
  }
  return tracker
}
