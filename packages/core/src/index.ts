export { createTracker, SDK_VERSION } from './createTracker'
export { computeSign } from './signer'
export { backoffDelay, parseRetryAfter } from './retryPolicy'
export { isSampledIn } from './sampling'
export type { KeyValueStore } from './storage'
export { observeImpression, type ImpressionOptions } from './impression'
export { beginPageView, currentPageView } from './pageView'
export type {
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
