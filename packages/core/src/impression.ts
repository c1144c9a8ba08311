// Impressions (曝光): an element counts as seen once it has been at least `threshold` visible
// for `minVisibleMs` of continuous time while the tab is visible — the IAB/MRC viewability rule
// (50 % for 1 s) by default. One IntersectionObserver per threshold serves every element.
import { currentPageView, onPageView } from './pageView'

/** Options of {@link observeImpression}. */
export interface ImpressionOptions {
  /**
   * Fraction of the element (0..1) that must be inside the viewport. An element taller or
   * wider than `1 / threshold` viewports never reaches it: give such elements a lower value.
   * @default 0.5
   */
  threshold?: number
  /**
   * How long (ms) the element must stay visible without interruption, counted only while the
   * tab is visible: the count pauses while the tab is hidden and resumes when it is shown.
   * @default 1000
   */
  minVisibleMs?: number
  /**
   * Identity of what is shown (e.g. the `delivery_id`): the impression fires once per element
   * and key per page view, so an element that shows new content with a new key fires again.
   * @default ''
   */
  key?: string
  /**
   * Fire only once per element and key per page view. `false` fires on every new exposure
   * (each time the element comes back into view and stays there for `minVisibleMs`).
   * @default true
   */
  once?: boolean
  /**
   * Stop by itself once the element, having been in the DOM, is removed from it — so an app
   * that never calls stop() does not keep removed nodes alive. An element not yet attached is
   * kept until it is. `false` keeps watching a removed element, which counts again once it is
   * attached again (a node moved out and back, as Vue's `<KeepAlive>` does): then only the stop
   * function ends the watch, and must be called when the element is gone for good.
   * @default true
   */
  stopWhenRemoved?: boolean
}

/** One call of observeImpression: an element, a callback and its timing state. */
interface Watch {
  element: Element
  onImpression: () => void
  key: string
  once: boolean
  minVisibleMs: number
  /** Sweep the watch once its element, after being in the DOM, is no longer in it. */
  stopWhenRemoved: boolean
  /** The element was in the DOM at observe time or at an observer callback since. */
  wasConnected: boolean
  /** The element is at least `threshold` visible. */
  inView: boolean
  /** Visible time of the current exposure counted before the last pause. */
  countedMs: number
  /** performance.now() when the running count started. */
  since: number
  timer: ReturnType<typeof setTimeout> | undefined
  /** For `once: false`: this exposure already fired. */
  firedThisExposure: boolean
}

/** The shared observer of one threshold and the watches of each of its elements. */
interface Group {
  observer: IntersectionObserver
  watches: Map<Element, Set<Watch>>
}

/**
 * The longest the entries of one callback may hold the main thread (ms) before the rest wait
 * for a later task: 200 elements entering the view at once cost ~40 ms on a 4×-throttled CPU,
 * near the 50 ms of a long task (docs/benchmarks.md). An entry that waits starts its count
 * when handled, a few ms late: never early, like one delivered late by a busy page.
 */
const SLICE_MS = 8

const groups = new Map<number, Group>()
/** Element → key → page view in which its impression fired. Weak: it dies with the element. */
const fired = new WeakMap<Element, Map<string, number>>()
/** Watches whose element is in view: the only ones with a timer to pause, resume or re-arm. */
const inView = new Set<Watch>()
let listening = false

const tabVisible = () => document.visibilityState !== 'hidden'
const hasFired = (watch: Watch) => fired.get(watch.element)?.get(watch.key) === currentPageView()

function arm(watch: Watch): void {
  if (watch.timer !== undefined || !watch.inView || !tabVisible()) return
  if (watch.once ? hasFired(watch) : watch.firedThisExposure) return
  watch.since = performance.now()
  watch.timer = setTimeout(() => fire(watch), Math.max(0, watch.minVisibleMs - watch.countedMs))
}

function pause(watch: Watch): void {
  if (watch.timer === undefined) return
  clearTimeout(watch.timer)
  watch.timer = undefined
  watch.countedMs += performance.now() - watch.since
}

function fire(watch: Watch): void {
  watch.timer = undefined
  watch.firedThisExposure = true
  // Two watches of one element and key (e.g. a component re-mounted on the same node) fire once.
  if (watch.once && hasFired(watch)) return
  let keys = fired.get(watch.element)
  if (!keys) fired.set(watch.element, (keys = new Map()))
  keys.set(watch.key, currentPageView())
  watch.onImpression()
}

function enter(watch: Watch): void {
  watch.inView = true
  inView.add(watch)
  arm(watch)
}

/** The exposure ended: the next one starts counting from zero (the rule asks for continuity). */
function leave(watch: Watch): void {
  pause(watch)
  watch.inView = false
  watch.countedMs = 0
  watch.firedThisExposure = false
  inView.delete(watch)
}

/** Stops observing `element` in `group`, and drops the group when it has no element left. */
function unobserve(group: Group, threshold: number, element: Element): void {
  group.watches.delete(element)
  group.observer.unobserve(element)
  if (!group.watches.size) {
    group.observer.disconnect()
    groups.delete(threshold)
  }
}

function groupFor(threshold: number): Group {
  const existing = groups.get(threshold)
  if (existing) return existing
  /** Entries reported but not handled yet: a large callback is handled over several tasks. */
  const backlog: IntersectionObserverEntry[] = []
  const handle = (): void => {
    // Entries queued before the group was dropped must not touch a newer group.
    if (groups.get(threshold) !== group) return
    const start = performance.now()
    for (let entry; (entry = backlog.shift());) {
      // Ratios are rounded: a threshold crossing can report 0.4999 for 0.5.
      const visible = entry.isIntersecting && entry.intersectionRatio >= threshold - 1e-3
      for (const watch of group.watches.get(entry.target) ?? []) {
        if (visible && !watch.inView) enter(watch)
        else if (!visible && watch.inView) leave(watch)
      }
      if (backlog.length && performance.now() - start >= SLICE_MS) {
        setTimeout(handle, 0)
        return
      }
    }
    // An element removed from the DOM is forgotten, so an app that never calls stop() does
    // not keep detached nodes alive. Removing a visible element always brings a callback (its
    // ratio drops to 0); removed invisible ones are swept on the next callback. Cheaper than
    // a MutationObserver, which would run on every DOM change. Only an element seen in the
    // DOM counts as removed: one observed before it is attached waits to be attached.
    // https://w3c.github.io/IntersectionObserver/#update-intersection-observations-algo
    for (const [element, watches] of [...group.watches]) {
      for (const watch of watches) {
        if (element.isConnected) watch.wasConnected = true
        else if (watch.wasConnected && watch.stopWhenRemoved) {
          leave(watch)
          watches.delete(watch)
        }
      }
      if (!watches.size) unobserve(group, threshold, element)
    }
  }
  const observer = new IntersectionObserver(
    // Entries wait behind those of an earlier callback still being handled, in order.
    (entries) => backlog.push(...entries) === entries.length && handle(),
    { threshold },
  )
  // The callback above runs asynchronously, after this assignment.
  const group: Group = { observer, watches: new Map() }
  groups.set(threshold, group)
  return group
}

function listenOnce(): void {
  if (listening) return
  listening = true
  // The rule counts time the user could see: none while the tab is in the background.
  document.addEventListener('visibilitychange', () => {
    for (const watch of inView) {
      if (tabVisible()) arm(watch)
      else pause(watch)
    }
  })
  // A new page view (SPA navigation): what is still on screen may count again, from zero.
  onPageView(() => {
    for (const watch of inView) {
      if (!watch.once) continue
      pause(watch)
      watch.countedMs = 0
      arm(watch)
    }
  })
}

const noop = () => undefined

/**
 * Calls `onImpression` once `element` has been at least `threshold` visible for `minVisibleMs`
 * while the tab is visible (default: 50 % for 1 s). Fires once per element and `key` per page
 * view unless `once: false`; a new page view ({@link beginPageView}, called on SPA navigation by
 * {@link capturePageViews}) lets it fire again. Stops by itself when the element is removed
 * from the DOM unless `stopWhenRemoved: false`; an element observed before it is attached
 * starts counting once attached.
 *
 * Inert where `IntersectionObserver` is missing (Node, SSR): returns a stop function that
 * does nothing.
 *
 * @returns A function that stops observing; calling it twice is harmless.
 * @throws TypeError when `element` is not an Element or `onImpression` not a function;
 *   RangeError when `threshold` is outside 0..1 or `minVisibleMs` is negative or infinite.
 *
 * @example
 * ```ts
 * const stop = observeImpression(card, () =>
 *   tracker.track('recommend_impression', { delivery_id: 'd_1', content_type: 'action' }),
 *   { key: 'd_1' },
 * )
 * ```
 */
export function observeImpression(
  element: Element,
  onImpression: () => void,
  options: ImpressionOptions = {},
): () => void {
  if (typeof IntersectionObserver === 'undefined' || typeof document === 'undefined') return noop
  const {
    threshold = 0.5,
    minVisibleMs = 1000,
    key = '',
    once = true,
    stopWhenRemoved = true,
  } = options
  if (!(element instanceof Element)) {
    throw new TypeError(
      '[trackpoint] observeImpression needs a DOM Element as its first argument ' +
        '(did a ref or querySelector return null?)',
    )
  }
  if (typeof onImpression !== 'function') {
    throw new TypeError('[trackpoint] observeImpression needs a callback as its second argument')
  }
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`[trackpoint] observeImpression: threshold must be 0..1, got ${threshold}`)
  }
  if (!(minVisibleMs >= 0 && minVisibleMs < Infinity)) {
    throw new RangeError(
      `[trackpoint] observeImpression: minVisibleMs must be a finite number ≥ 0, got ${minVisibleMs}`,
    )
  }
  listenOnce()
  const watch: Watch = {
    element,
    onImpression,
    key: String(key),
    once: once !== false,
    minVisibleMs,
    stopWhenRemoved: stopWhenRemoved !== false,
    wasConnected: element.isConnected,
    inView: false,
    countedMs: 0,
    since: 0,
    timer: undefined,
    firedThisExposure: false,
  }
  const group = groupFor(threshold)
  let watches = group.watches.get(element)
  if (!watches) {
    group.watches.set(element, (watches = new Set()))
    group.observer.observe(element)
  } else {
    // The observer reports an element only when it crosses the threshold: a second watch of
    // an element already in view starts in view.
    const sibling = watches.values().next().value
    if (sibling?.inView) enter(watch)
  }
  watches.add(watch)

  return () => {
    const set = group.watches.get(element)
    if (groups.get(threshold) !== group || !set?.delete(watch)) return
    leave(watch)
    if (!set.size) unobserve(group, threshold, element)
  }
}
