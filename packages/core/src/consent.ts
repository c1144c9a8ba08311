import { createLocalStore } from './localStore'
import type { Consent, TrackerOptions } from './types'

/**
 * The consent a tracker created with `options` starts with, read without creating it (the
 * React adapter renders a cookie banner before its tracker exists): the decision stored on
 * this device for the app (`optIn`/`optOut`/`setConsent` keep it in localStorage, so a banner
 * is answered once, not on every page), else `denied` when `honorGlobalPrivacyControl` is set
 * and the browser sends Global Privacy Control, else `pending` with `consent: 'pending'`, else
 * `granted` (the tracker behaves as before consent existed). Outside a browser it is the
 * option's value: `pending` or `granted`.
 *
 * @example
 * ```ts
 * if (initialConsent(options) === 'pending') showCookieBanner()
 * ```
 */
export function initialConsent(options: TrackerOptions): Consent {
  const stored = createLocalStore(options.appId).get('consent')
  return stored === 'granted' || stored === 'denied'
    ? stored
    : options.honorGlobalPrivacyControl &&
        (globalThis.navigator as { globalPrivacyControl?: boolean } | undefined)
          ?.globalPrivacyControl === true
      ? 'denied'
      : options.consent === 'pending'
        ? 'pending'
        : 'granted'
}
