import { onScopeDispose, shallowRef } from 'vue'
import type { Ref } from 'vue'
import type { Consent, Tracker } from '@trackpoint/core'
import { useTrack } from './useTrack'

/** What {@link useConsent} gives: a reactive consent and the tracker's setters. */
export interface ConsentState {
  /** `pending` (not asked yet), `granted` or `denied`; updated on every change. */
  consent: Readonly<Ref<Consent>>
  /** The tracker's `optIn`. */
  optIn: Tracker['optIn']
  /** The tracker's `optOut`: deletes what the SDK stored, sends nothing more. */
  optOut: Tracker['optOut']
  /** The tracker's `setConsent`, for a cookie banner's answer. */
  setConsent: Tracker['setConsent']
}

/**
 * The app tracker's consent as a reactive ref, and its setters, from `setup()`. The ref
 * follows every change — made by this component, another one, or another tab — until the
 * component (its effect scope) is disposed.
 *
 * @throws Error when called outside `setup()` or in an app without the plugin.
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * const { consent, setConsent } = useConsent()
 * </script>
 * <template>
 *   <div v-if="consent === 'pending'">
 *     <button @click="setConsent('granted')">Accept analytics</button>
 *   </div>
 * </template>
 * ```
 */
export function useConsent(): ConsentState {
  const tracker = useTrack()
  const consent = shallowRef(tracker.consent)
  onScopeDispose(tracker.onConsentChange((next) => (consent.value = next)))
  const { optIn, optOut, setConsent } = tracker
  return { consent, optIn, optOut, setConsent }
}
