import { inject } from 'vue'
import type { Tracker } from '@trackpoint/core'
import { trackpointKey } from './trackpointKey'

/**
 * The tracker of the app, from `setup()` (or `<script setup>`). Its methods are plain
 * functions, so they can be destructured: `const { track } = useTrack()`.
 *
 * @throws Error when called outside `setup()` or in an app without the plugin.
 *
 * @example
 * ```ts
 * const { track } = useTrack()
 * const claim = () => track('reward_claim', { reward_type: 'points' })
 * ```
 */
export function useTrack(): Tracker {
  const tracker = inject(trackpointKey, null)
  if (!tracker) {
    throw new Error(
      'useTrack must be called in setup() of a component whose app installed the Trackpoint ' +
        'plugin: app.use(createTrackpoint({ endpoint, appId, sign })) from @trackpoint/vue.',
    )
  }
  return tracker
}
