import type { Directive } from 'vue'
import type { ImpressionValue } from './vImpression'
import type { TrackValue } from './vTrack'

export { createTrackpoint, type TrackpointConfig } from './createTrackpoint'
export { useTrack } from './useTrack'
export { useConsent, type ConsentState } from './useConsent'
export { trackpointKey } from './trackpointKey'
export type { ImpressionValue } from './vImpression'
export type { TrackValue } from './vTrack'

// Types `v-impression` and `v-track` in templates checked by vue-tsc / Volar.
declare module 'vue' {
  interface GlobalDirectives {
    vImpression: Directive<Element, ImpressionValue>
    vTrack: Directive<Element, TrackValue>
  }
}
