import { onPageView } from '../pageView'
import { inBrowser, noop, pathName, type PageNamer, type TrackTarget } from './shared'

/** Options of {@link capturePageDuration}. */
export interface PageDurationCaptureOptions {
  /**
   * The `page_name` of a location; use the same function as for page views.
   * @default location.pathname
   */
  pageName?: PageNamer
}

/**
 * Tracks `page_duration` `{ duration_ms, page_name }`: the time a page view was visible. It is
 * sent when the page view ends (a route change seen by {@link capturePageViews}, or
 * {@link beginPageView}) and whenever the tab is hidden or the page is left — a page view
 * hidden and shown again sends one event per visible stretch, so a page's time on screen is
 * the sum of its events; time spent in the back/forward cache is not counted. Sent in the
 * capture phase of `visibilitychange` / `pagehide`, before the tracker's own page-exit send,
 * so it leaves with it.
 *
 * `page_name` names the page measured; after a route change the event's `page` field is
 * already the new path.
 *
 * @returns A function that stops measuring (without sending).
 *
 * @example
 * ```ts
 * capturePageViews(tracker)
 * capturePageDuration(tracker)
 * ```
 */
export function capturePageDuration(
  tracker: TrackTarget,
  options: PageDurationCaptureOptions = {},
): () => void {
  if (!inBrowser()) return noop
  const { pageName = pathName } = options
  const visible = () => document.visibilityState !== 'hidden'
  let name = pageName(location)
  let counted = 0
  let since: number | undefined = visible() ? performance.now() : undefined

  const send = () => {
    const now = performance.now()
    const duration = Math.round(counted + (since === undefined ? 0 : now - since))
    counted = 0
    since = visible() ? now : undefined
    if (duration > 0) tracker.track('page_duration', { duration_ms: duration, page_name: name })
  }
  const onVisibility = () => {
    if (!visible()) send()
    else since ??= performance.now()
  }
  // The page is going away: no stretch runs on, even if the tab is still visible (pagehide
  // comes before `visibilitychange → hidden`, which would otherwise send another ~1 ms).
  const onPageHide = () => {
    send()
    since = undefined
  }
  // Restored from the back/forward cache: the time it spent there was not seen. The new stretch
  // starts now (before capturePageViews' own pageshow listener begins a page view, which then
  // sends nothing for the old one).
  const onPageShow = (event: PageTransitionEvent) => {
    if (!event.persisted) return
    counted = 0
    since = visible() ? performance.now() : undefined
  }
  const stopPageViews = onPageView(() => {
    send()
    name = pageName(location)
  })
  // Capture phase on window: runs before the tracker's document/window listeners, which send
  // what is queued when the page goes away. `visibilitychange → hidden` is the last event a
  // page reliably gets (mobile never fires pagehide when a backgrounded tab is discarded):
  // https://developer.chrome.com/docs/web-platform/page-lifecycle-api
  addEventListener('visibilitychange', onVisibility, true)
  addEventListener('pagehide', onPageHide, true)
  addEventListener('pageshow', onPageShow, true)
  return () => {
    stopPageViews()
    removeEventListener('visibilitychange', onVisibility, true)
    removeEventListener('pagehide', onPageHide, true)
    removeEventListener('pageshow', onPageShow, true)
  }
}
