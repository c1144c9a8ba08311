// The current "page view": a counter that every route change bumps. Impressions fire once per
// element and key per page view, scroll depth and page duration restart with each one. Kept in
// one tiny module so that these helpers agree without knowing about each other or a router.

let generation = 0
const listeners = new Set<() => void>()

/** The number of the current page view: 0 on first load, one more per {@link beginPageView}. */
export const currentPageView = (): number => generation

/**
 * Starts a new page view: impressions may fire again for elements already seen, scroll depth
 * starts over and page duration sends the time of the page view that ended.
 * {@link capturePageViews} calls it on every route change; call it yourself when your app
 * tracks `page_view` by hand (e.g. from a router hook) instead.
 *
 * @example
 * ```ts
 * router.afterEach((to) => {
 *   beginPageView()
 *   tracker.track('page_view', { page_name: String(to.name) })
 * })
 * ```
 */
export function beginPageView(): void {
  generation++
  for (const listener of [...listeners]) {
    try {
      listener()
    } catch {
      // A listener is our own helper; tracking never throws into the app's navigation.
    }
  }
}

/** Calls `listener` at the start of every later page view; returns the unsubscribe function. */
export function onPageView(listener: () => void): () => void {
  listeners.add(listener)
  return () => void listeners.delete(listener)
}
