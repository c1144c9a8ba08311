import { createTracker, initialConsent } from '@trackpoint/core'
import type { Tracker, TrackerOptions } from '@trackpoint/core'

/** A tracker the provider owns, with the two calls its effect makes. */
export interface LazyTracker {
  /** Forwards to the real tracker, creating it on first use. */
  tracker: Tracker
  /** Creates the tracker if needed and cancels a pending {@link LazyTracker.stop}. */
  start(): void
  /** Shuts the tracker down on the next task unless `start` is called before (StrictMode). */
  stop(): void
}

/**
 * Wraps `createTracker(options)` so that the real tracker is created on first use — in an
 * effect or an event handler, never during render. React may render a component twice and keep
 * one result (StrictMode, concurrent rendering); a tracker created in a discarded render would
 * keep its timers, listeners and Web Lock. Only the committed provider's wrapper is ever used.
 */
export function lazyTracker(options: TrackerOptions): LazyTracker {
  if (!options?.endpoint || !options.appId) {
    throw new Error('<TrackProvider options> needs `endpoint` and `appId`')
  }
  let current: Tracker | undefined
  let pendingStop: ReturnType<typeof setTimeout> | undefined
  // After the provider's shutdown, calls (a late `fetch().then(track)`, a capture never
  // stopped) are ignored as the Tracker contract says, instead of creating a tracker that
  // nothing would shut down.
  let stopped = false
  const real = () => (stopped ? undefined : (current ??= createTracker(options)))
  const tracker: Tracker = {
    track: (name, properties) => real()?.track(name, properties),
    identify: (userId) => real()?.identify(userId),
    reset: () => real()?.reset(),
    optOut: () => real()?.optOut(),
    optIn: () => real()?.optIn(),
    setConsent: (consent) => real()?.setConsent(consent),
    // Subscribing happens in an effect, where creating the tracker is fine.
    onConsentChange: (listener) => real()?.onConsentChange(listener) ?? (() => undefined),
    // Read during render: the stored decision, without creating the tracker there.
    get consent() {
      return current?.consent ?? initialConsent(options)
    },
    get optedOut() {
      return tracker.consent === 'denied'
    },
    flush: async () => real()?.flush(),
    shutdown: async () => current?.shutdown(),
    get userId() {
      return real()?.userId ?? ''
    },
    get sessionId() {
      return real()?.sessionId ?? ''
    },
  }
  return {
    tracker,
    start() {
      clearTimeout(pendingStop)
      stopped = false
      real()
    },
    stop() {
      // StrictMode unmounts and remounts in the same task: shut down only if no start follows.
      pendingStop = setTimeout(() => {
        const stopping = current
        current = undefined
        stopped = true
        void stopping?.shutdown()
      }, 0)
    },
  }
}
