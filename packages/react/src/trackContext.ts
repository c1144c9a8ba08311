import { createContext, useContext } from 'react'
import type { Tracker } from '@trackpoint/core'

/** The tracker of the nearest `<TrackProvider>`; `null` outside one. */
export const TrackContext = createContext<Tracker | null>(null)

/**
 * The provider's tracker, or a programmer error naming the hook that needs it and how to fix it.
 * @internal
 */
export function useTrackerFor(hook: string): Tracker {
  const tracker = useContext(TrackContext)
  if (!tracker) {
    throw new Error(
      `${hook} must be used inside <TrackProvider>: wrap your app in ` +
        '<TrackProvider options={{ endpoint, appId, sign }}> or <TrackProvider tracker={tracker}>',
    )
  }
  return tracker
}
