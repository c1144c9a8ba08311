import type { InjectionKey } from 'vue'
import type { Tracker } from '@trackpoint/core'

/** The key under which the plugin provides the app's tracker (for `inject` in your own code). */
export const trackpointKey: InjectionKey<Tracker> = Symbol('trackpoint')
