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

const COMMANDS = ['track', 'identify', 'reset', 'flush', 'shutdown'] as const

/**
 * Creates the handler of snippet commands: `init` creates the tracker (once), `track`,
 * `identify`, `reset`, `flush` and `shutdown` call the tracker's methods, and a function is
 * called with the tracker. Commands that come before `init` wait for it, in order.
 */
export function createSnippetHandler(): SnippetHandler {
  let tracker: Tracker | undefined
  const waiting: unknown[][] = []

  const run = (args: unknown[]): void => {
    const [command, ...rest] = args
    if (command === 'init') {
      if (tracker) {
        console.warn('[trackpoint] init was called twice; the second call is ignored')
        return
      }
      const { autoCapture: capture = {}, ...options } = (rest[0] ?? {}) as SnippetInitOptions
      tracker = createTracker(options)
      if (capture) autoCapture(tracker, capture)
      for (const call of waiting.splice(0)) run(call)
      return
    }
    if (typeof command !== 'function' && !COMMANDS.includes(command as never)) {
      throw new Error(
        `[trackpoint] unknown command ${JSON.stringify(command)}: use one of init, ${COMMANDS.join(', ')} or a function`,
      )
    }
    if (!tracker) {
      waiting.push(args)
      return
    }
    if (typeof command === 'function') (command as SnippetCallback)(tracker)
    else (tracker[command as (typeof COMMANDS)[number]] as (...a: unknown[]) => unknown)(...rest)
  }

  const handler = (...args: unknown[]) => run(args)
  return Object.assign(handler, { loaded: true as const }) as SnippetHandler
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
  for (const args of queued) {
    try {
      handler(...(Array.from(args) as [string]))
    } catch (error) {
      console.error(error)
    }
  }
}
