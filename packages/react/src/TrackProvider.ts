import { createElement, useEffect, useState } from 'react'
import type { ReactElement, ReactNode } from 'react'
import type { Tracker, TrackerOptions } from '@trackpoint/core'
import { lazyTracker } from './lazyTracker'
import { TrackContext } from './trackContext'

/** Props of {@link TrackProvider}: give it a `tracker`, or `options` to create one. */
export interface TrackProviderProps {
  /**
   * A tracker you created with `createTracker` and own: the provider never shuts it down.
   * Takes precedence over `options`. Given after first render, it replaces the tracker the
   * provider created from `options` (which shuts down); taking it away later throws (a provider
   * that starts with `tracker` has no options of its own: give it a new `key` to remount).
   */
  tracker?: Tracker
  /**
   * Options of `createTracker`. The provider creates the tracker once (read on first render;
   * later changes are ignored) and shuts it down when it unmounts.
   */
  options?: TrackerOptions
  /** The part of the app that tracks: every hook below the provider uses its tracker. */
  children?: ReactNode
}

/**
 * Makes a tracker available to {@link useTrack}, {@link useImpression}, {@link usePageView}
 * and {@link Impression} below it. Safe under StrictMode (one tracker, one shutdown) and in
 * server rendering (the tracker is inert in Node).
 *
 * @example
 * ```tsx
 * <TrackProvider options={{ endpoint: 'https://collect.example.com', appId: 'onchain_app', sign }}>
 *   <App />
 * </TrackProvider>
 * ```
 */
export function TrackProvider({ tracker, options, children }: TrackProviderProps): ReactElement {
  if (!tracker && !options) {
    throw new Error(
      '<TrackProvider> needs `tracker` (from createTracker) or `options`, e.g. ' +
        '<TrackProvider options={{ endpoint, appId, sign }}>',
    )
  }
  // Created once per mounted provider; a tracker passed in is the app's and left alone, and
  // one passed in later replaces the owned one, which then shuts down.
  const [owned] = useState(() => (tracker ? undefined : lazyTracker(options as TrackerOptions)))
  useEffect(() => {
    if (!owned || tracker) return
    owned.start()
    return owned.stop
  }, [owned, tracker])
  const value = tracker ?? owned?.tracker
  if (!value)
    throw new Error('<TrackProvider> cannot switch from `tracker` to `options`: remount it')
  return createElement(TrackContext.Provider, { value }, children)
}
