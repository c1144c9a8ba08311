import { onPageView } from '../pageView'
import { inBrowser, noop, type TrackTarget } from './types'

const DEPTHS = [25, 50, 75, 100] as const

/**
 * Tracks `scroll_depth` `{ depth }` the first time the bottom of the viewport passes 25, 50, 75
 * and 100 % of the page's height, once each per page view (a route change starts over).
 * Measured on `scroll` (a passive listener), so a page that fits the screen reports nothing
 * until it is scrolled.
 *
 * @returns A function that stops capturing.
 *
 * @example
 * ```ts
 * captureScrollDepth(tracker)
 * ```
 */
export function captureScrollDepth(tracker: TrackTarget): () => void {
  if (!inBrowser()) return noop
  let reached = 0
  const onScroll = () => {
    const height = document.documentElement.scrollHeight
    const bottom = scrollY + innerHeight
    // A few pixels short of the end still count as the end (sub-pixel layout, zoom).
    const percent = bottom >= height - 2 ? 100 : (bottom / height) * 100
    for (const depth of DEPTHS) {
      if (depth > reached && percent >= depth) {
        reached = depth
        tracker.track('scroll_depth', { depth })
      }
    }
  }
  const stopPageViews = onPageView(() => {
    reached = 0
  })
  addEventListener('scroll', onScroll, { passive: true })
  return () => {
    stopPageViews()
    removeEventListener('scroll', onScroll)
  }
}
