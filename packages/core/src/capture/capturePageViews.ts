import { beginPageView } from '../pageView'
import { onRouteChange } from './routeChange'
import { inBrowser, noop, pathName, type PageNamer, type TrackTarget } from './shared'

/** Options of {@link capturePageViews}. */
export interface PageViewCaptureOptions {
  /**
   * The `page_name` of a location: a stable name such as `onchain_landing` is easier to
   * analyse than a path with ids in it.
   * @default location.pathname
   */
  pageName?: PageNamer
  /**
   * What identifies a route: a history change that keeps this value (a new query string, a
   * `replaceState` of the same path) is not a new page view. Use `(l) => l.pathname + l.hash`
   * for a hash router.
   * @default location.pathname
   */
  routeOf?: (location: Location) => string
}

/**
 * Tracks `page_view` now (first load) and once per route change of a single-page app:
 * `history.pushState`, `replaceState` and back/forward (`popstate`). `page_name` comes from
 * `pageName`; `referrer` is `document.referrer` on first load and the previous `page_name`
 * after an in-app navigation. A page restored from the back/forward cache (`pageshow` with
 * `persisted`) is a page view too, sent like the first load. Each of these also starts a new
 * page view for impressions, scroll depth and page duration ({@link beginPageView}).
 *
 * @returns A function that stops capturing.
 *
 * @example
 * ```ts
 * const stop = capturePageViews(tracker, { pageName: (l) => routeNameOf(l.pathname) })
 * ```
 */
export function capturePageViews(
  tracker: TrackTarget,
  options: PageViewCaptureOptions = {},
): () => void {
  if (!inBrowser()) return noop
  const { pageName = pathName, routeOf = pathName } = options
  let route = routeOf(location)
  let current = pageName(location)
  const send = (referrer: string) =>
    tracker.track('page_view', referrer ? { page_name: current, referrer } : { page_name: current })

  send(document.referrer)
  /** A new page view at the current location: `referrer` is evaluated before `current` moves. */
  const next = (referrer: string) => {
    route = routeOf(location)
    current = pageName(location)
    beginPageView()
    send(referrer)
  }
  const stopRoutes = onRouteChange(() => {
    if (routeOf(location) !== route) next(current)
  })
  // Back/forward cache: the page comes back as it was left, without a load or a history event,
  // yet the user sees it again — a new page view, sent like the first load.
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) next(document.referrer)
  }
  addEventListener('pageshow', onPageShow)
  return () => {
    stopRoutes()
    removeEventListener('pageshow', onPageShow)
  }
}
