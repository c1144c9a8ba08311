import { useSyncExternalStore } from 'react'
import type { Consent, Tracker } from '@trackpoint/core'
import { useTrackerFor } from './trackContext'

/** What {@link useConsent} gives: the current consent and the tracker's setters. */
export interface ConsentState {
  /** `pending` (not asked yet), `granted` or `denied`. */
  consent: Consent
  /** True while opted out (`consent === 'denied'`). */
  optedOut: boolean
  /** The tracker's `optIn`. */
  optIn: Tracker['optIn']
  /** The tracker's `optOut`: deletes what the SDK stored, sends nothing more. */
  optOut: Tracker['optOut']
  /** The tracker's `setConsent`, for a cookie banner's answer. */
  setConsent: Tracker['setConsent']
}

/**
 * The consent of the {@link TrackProvider}'s tracker and its setters. The component renders
 * again whenever consent changes — by this component, another one, or another tab.
 *
 * @throws Error when there is no `<TrackProvider>` above the component.
 *
 * @example
 * ```tsx
 * function CookieBanner() {
 *   const { consent, setConsent } = useConsent()
 *   if (consent !== 'pending') return null
 *   return <button onClick={() => setConsent('granted')}>Accept analytics</button>
 * }
 * ```
 */
export function useConsent(): ConsentState {
  const tracker = useTrackerFor('useConsent')
  // Read through the tracker each time: its `consent` is a getter.
  const read = () => tracker.consent
  const consent = useSyncExternalStore(tracker.onConsentChange, read, read)
  const { optIn, optOut, setConsent } = tracker
  return { consent, optedOut: consent === 'denied', optIn, optOut, setConsent }
}
