export { createTracker, MAX_WAITING_EVENTS, SDK_VERSION } from './createTracker'
export { initialConsent } from './consent'
export { computeSign } from './signer'
export { backoffDelay, parseRetryAfter } from './retryPolicy'
export { isSampledIn } from './sampling'
export type { KeyValueStore } from './storage'
export { observeImpression, type ImpressionOptions } from './impression'
export { beginPageView, currentPageView } from './pageView'
export { autoCapture, type AutoCaptureOptions } from './capture/autoCapture'
export { capturePageViews, type PageViewCaptureOptions } from './capture/capturePageViews'
export { captureErrors, type ErrorCaptureOptions } from './capture/captureErrors'
export { captureWebVitals, type WebVitalsCaptureOptions } from './capture/captureWebVitals'
export { capturePageDuration, type PageDurationCaptureOptions } from './capture/capturePageDuration'
export { captureScrollDepth } from './capture/captureScrollDepth'
export { captureFormSubmits } from './capture/captureFormSubmits'
export {
  captureClicks,
  declaredProperties,
  type ClickCaptureOptions,
} from './capture/captureClicks'
export type { PageNamer, TrackTarget } from './capture/shared'
export type { SnippetCallback, SnippetHandler, SnippetInitOptions } from './snippet'
export type {
  Consent,
  Platform,
  PropsOf,
  Signature,
  TrackedEvent,
  TrackError,
  TrackErrorKind,
  Tracker,
  TrackerOptions,
  TrackPlugin,
  TrackRequestBody,
} from './types'
export type { EventName, EventProperties } from '@trackpoint/schema'
