import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals'
import { inBrowser, noop, type TrackTarget } from './types'

/** Options of {@link captureWebVitals}. */
export interface WebVitalsCaptureOptions {
  /**
   * Report every change of a metric instead of its final value (more events; useful while
   * debugging). Passed to `web-vitals`.
   * @default false
   */
  reportAllChanges?: boolean
}

/**
 * Tracks the Core Web Vitals LCP, INP, CLS, FCP and TTFB, measured by Google's `web-vitals`
 * library, as `web_vitals` events `{ name, value, rating, id }` — one per metric per page load
 * (LCP, INP and CLS are final when the page is hidden, so they arrive then). Values are
 * milliseconds, CLS a unitless score.
 *
 * `web-vitals` cannot unsubscribe: the returned function mutes later reports.
 *
 * @example
 * ```ts
 * captureWebVitals(tracker)
 * ```
 */
export function captureWebVitals(
  tracker: TrackTarget,
  options: WebVitalsCaptureOptions = {},
): () => void {
  if (!inBrowser()) return noop
  let stopped = false
  const report = ({ name, value, rating, id }: Metric) => {
    if (!stopped) tracker.track('web_vitals', { name, value, rating, id })
  }
  const { reportAllChanges = false } = options
  for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) on(report, { reportAllChanges })
  return () => {
    stopped = true
  }
}
