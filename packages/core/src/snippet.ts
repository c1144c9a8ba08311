// The command queue of the async script-tag snippet. The snippet defines a stub
// `window.trackpoint(...)` that only records its calls in `trackpoint.q`; when the CDN bundle
// arrives, installSnippet() replaces the stub with the real handler and replays the calls in
// order. Kept apart from cdn.ts so it can be unit-tested without running the IIFE.
import { autoCapture, type AutoCaptureOptions } from './capture/autoCapture'
import { createTracker } from './createTracker'
import type { Tracker, TrackerOptions } from './types'

/** Options of the snippet's `init` command: the tracker's options plus auto-capture. */
export interface SnippetInitOptions extends TrackerOptions {
  /**
   * What to capture automatically ({@link autoCapture}); `false` captures nothing.
   * @default {} (page views, errors, form submits, declarative clicks, web vitals)
   */
  autoCapture?: AutoCaptureOptions | false
}

/** A callback command: runs with the tracker once `init` has created it. */
export type SnippetCallback = (tracker: Tracker) => void

/** The handler `window.trackpoint` becomes when the bundle has loaded. */
export interface SnippetHandler {
  (command: 'init', options: SnippetInitOptions): void
  (command: string, ...args: unknown[]): void
  (callback: SnippetCallback): void
  /** Marks the real handler, so a second copy of the bundle does not install another. */
  readonly loaded: true
}

/** The snippet's stub: a function with its queue of recorded calls. */
interface Stub {
  (...args: unknown[]): void
  q?: ArrayLike<unknown>[]
  loaded?: boolean
}

const COMMANDS = [
  'track',
  'identify',
  'reset',
  'optOut',
  'optIn',
  'setConsent',
  'flush',
  'shutdown',
] as const

/** Most calls kept waiting for `init`; past this the oldest are dropped (a page that never inits). */
export const MAX_WAITING_CALLS = 1000

/** The handler with the replay of the stub's queue, for installSnippet. */
interface ReplayingHandler extends SnippetHandler {
  /**
   * Runs the queued calls in order, logging (not throwing) a failing one. Auto-capture starts
   * after the whole queue, so an `identify` queued after `init` applies to the first page view.
   */
  replay(calls: ArrayLike<unknown>[]): void
}

/** Runs a call that was queued or waited for `init`: a failure is logged, never thrown. */
const runLogged = (run: (args: unknown[]) => void, args: unknown[]): void => {
  try {
    run(args)
  } catch (error) {
    console.error('[trackpoint] a queued call failed:', error)
  }
}

/**
 * Creates the handler of snippet commands: `init` creates the tracker (once), `track`,
 * `identify`, `reset`, `optOut`, `optIn`, `setConsent`, `flush` and `shutdown` call the tracker's
 * methods, and a function is
 * called with the tracker. Commands that come before `init` wait for it, in order (at most
 * {@link MAX_WAITING_CALLS}); auto-capture starts after them, and `shutdown` stops it.
 */
export function createSnippetHandler(): ReplayingHandler {
  let tracker: Tracker | undefined
  const waiting: unknown[][] = []
  let dropped = 0
  let replaying = false
  let startCapture: (() => void) | undefined
  // `false` after a `shutdown` (which may have waited for init): auto-capture must not start,
  // its listeners would call a stopped tracker.
  let stopCapture: (() => void) | undefined | false

  const run = (args: unknown[]): void => {
    const [command, ...rest] = args
    if (command === 'init') {
      if (tracker) {
        console.warn('[trackpoint] init was called twice; the second call is ignored')
        return
      }
      const { autoCapture: capture = {}, ...options } = (rest[0] ?? {}) as SnippetInitOptions
      const created = (tracker = createTracker(options))
      const start = () => {
        if (capture && stopCapture !== false) stopCapture = autoCapture(created, capture)
      }
      // The calls that waited run first, so a waiting `identify` applies to the first page view.
      for (const call of waiting.splice(0)) runLogged(run, call)
      if (replaying) startCapture = start
      else start()
      return
    }
    if (typeof command !== 'function' && !COMMANDS.includes(command as never)) {
      throw new Error(
        `[trackpoint] unknown command ${JSON.stringify(command)}: use one of init, ${COMMANDS.join(', ')} or a function`,
      )
    }
    if (!tracker) {
      if (waiting.push(args) > MAX_WAITING_CALLS) {
        waiting.shift()
        if (!dropped++) {
          console.warn(
            `[trackpoint] over ${MAX_WAITING_CALLS} calls wait for init: dropping the oldest`,
          )
        }
      }
      return
    }
    if (command === 'shutdown') {
      if (stopCapture) stopCapture()
      stopCapture = false
    }
    if (typeof command === 'function') (command as SnippetCallback)(tracker)
    else (tracker[command as (typeof COMMANDS)[number]] as (...a: unknown[]) => unknown)(...rest)
  }

  const handler = (...args: unknown[]) => run(args)
  const replay = (calls: ArrayLike<unknown>[]) => {
    replaying = true
    for (const args of Array.from(calls)) runLogged(run, Array.from(args))
    replaying = false
    const start = startCapture
    startCapture = undefined
    start?.()
  }
  return Object.assign(handler, { loaded: true as const, replay }) as ReplayingHandler
}

/**
 * Replaces the snippet's stub `window.trackpoint` by the real handler and replays the calls
 * the page made before the bundle arrived, in order. A replayed call that fails is logged and
 * the replay goes on. Does nothing outside a browser or when a handler is already installed.
 */
export function installSnippet(): void {
  if (typeof window === 'undefined') return
  const host = window as unknown as { trackpoint?: Stub | SnippetHandler }
  const stub = host.trackpoint
  if (stub?.loaded) return
  const queued = Array.from((stub as Stub | undefined)?.q ?? [])
  const handler = createSnippetHandler()
  host.trackpoint = handler
  handler.replay(queued)
}
