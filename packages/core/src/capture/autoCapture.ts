import { captureClicks, type ClickCaptureOptions } from './captureClicks'
import { captureErrors, type ErrorCaptureOptions } from './captureErrors'
import { captureFormSubmits } from './captureFormSubmits'
import { capturePageDuration } from './capturePageDuration'
import { capturePageViews, type PageViewCaptureOptions } from './capturePageViews'
import { captureScrollDepth } from './captureScrollDepth'
import { captureWebVitals, type WebVitalsCaptureOptions } from './captureWebVitals'
import type { PageNamer, TrackTarget } from './types'

/**
 * Options of {@link autoCapture}: `true` turns a capture on with its defaults, an object turns
 * it on with those options, `false` turns it off.
 */
export interface AutoCaptureOptions {
  /**
   * The `page_name` of a location, for page views and page duration.
   * @default location.pathname
   */
  pageName?: PageNamer
  /**
   * `page_view` on load and on every SPA route change (§八 必采).
   * @default true
   */
  pageViews?: boolean | Omit<PageViewCaptureOptions, 'pageName'>
  /**
   * `error` for uncaught errors and unhandled rejections (§八 必采).
   * @default true
   */
  errors?: boolean | ErrorCaptureOptions
  /**
   * `form_submit` for every form submitted (§八 必采).
   * @default true
   */
  formSubmits?: boolean
  /**
   * Declarative clicks: `data-track="event_name"` elements (§八 必采 for key buttons).
   * @default true
   */
  clicks?: boolean | ClickCaptureOptions
  /**
   * `web_vitals` for LCP, INP, CLS, FCP and TTFB.
   * @default true
   */
  webVitals?: boolean | WebVitalsCaptureOptions
  /**
   * `page_duration` per page view (§八 可选: recommended for important pages).
   * @default false
   */
  pageDuration?: boolean
  /**
   * `scroll_depth` at 25/50/75/100 % (§八 可选: recommended for content pages).
   * @default false
   */
  scrollDepth?: boolean
}

const optionsOf = <T extends object>(value: boolean | T | undefined): T | undefined =>
  typeof value === 'object' ? value : undefined

/**
 * Turns on the automatic captures in one call: page views, errors, form submits, declarative
 * clicks and web vitals by default; page duration and scroll depth on request. Each capture is
 * also exported on its own (`capturePageViews`, …): import those instead to leave the others,
 * and `web-vitals`, out of your bundle.
 *
 * @returns A function that stops every capture it started.
 *
 * @example
 * ```ts
 * const stop = autoCapture(tracker, { pageDuration: true, webVitals: false })
 * ```
 */
export function autoCapture(tracker: TrackTarget, options: AutoCaptureOptions = {}): () => void {
  const {
    pageName,
    pageViews = true,
    errors = true,
    formSubmits = true,
    clicks = true,
    webVitals = true,
    pageDuration = false,
    scrollDepth = false,
  } = options
  const stops: (() => void)[] = []
  if (pageDuration) stops.push(capturePageDuration(tracker, { pageName }))
  if (pageViews) stops.push(capturePageViews(tracker, { ...optionsOf(pageViews), pageName }))
  if (errors) stops.push(captureErrors(tracker, optionsOf(errors)))
  if (formSubmits) stops.push(captureFormSubmits(tracker))
  if (clicks) stops.push(captureClicks(tracker, optionsOf(clicks)))
  if (webVitals) stops.push(captureWebVitals(tracker, optionsOf(webVitals)))
  if (scrollDepth) stops.push(captureScrollDepth(tracker))
  return () => {
    for (const stop of stops) stop()
  }
}
