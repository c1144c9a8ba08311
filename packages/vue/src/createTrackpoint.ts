import type { App, Plugin } from 'vue'
import { createTracker } from '@trackpoint/core'
import type { Tracker, TrackerOptions } from '@trackpoint/core'
import { trackpointKey } from './trackpointKey'
import { impressionDirective } from './vImpression'
import { trackDirective } from './vTrack'

/** What {@link createTrackpoint} takes: options of `createTracker`, or a tracker you own. */
export type TrackpointConfig = TrackerOptions | { tracker: Tracker }

/**
 * The Vue plugin: provides the tracker to {@link useTrack} and registers `v-impression` and
 * `v-track`. Given options, it creates the tracker when installed (inert in Node, so SSR works)
 * and shuts it down when the app unmounts (Vue 3.5+); a tracker passed in is left alone.
 *
 * @throws Error at `app.use` when the options lack `endpoint` or `appId`, or `tracker` is missing.
 *
 * @example
 * ```ts
 * createApp(App)
 *   .use(createTrackpoint({ endpoint: 'https://collect.example.com', appId: 'onchain_app', sign }))
 *   .mount('#app')
 * ```
 */
export function createTrackpoint(config: TrackpointConfig): Plugin {
  return {
    install(app: App) {
      const given = 'tracker' in config
      if (given && !config.tracker) {
        throw new Error(
          'createTrackpoint({ tracker }) needs a tracker from createTracker(…); ' +
            'or pass the options: createTrackpoint({ endpoint, appId, sign })',
        )
      }
      const tracker = given ? config.tracker : createTracker(config)
      app.provide(trackpointKey, tracker)
      app.directive('impression', impressionDirective(tracker))
      app.directive('track', trackDirective(tracker))
      // app.onUnmount arrived in Vue 3.5; before it the app's tracker lives as long as the page.
      if (!given) app.onUnmount?.(() => void tracker.shutdown())
    },
  }
}
