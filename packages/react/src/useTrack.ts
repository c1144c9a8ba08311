import type { Tracker } from '@trackpoint/core'
import { useTrackerFor } from './trackContext'

/**
 * The tracker of the nearest {@link TrackProvider}. Its methods are plain functions, so they
 * can be destructured: `const { track } = useTrack()`. `track` is typed by the tracking plan.
 *
 * @throws Error when there is no `<TrackProvider>` above the component.
 *
 * @example
 * ```tsx
 * const { track } = useTrack()
 * <button onClick={() => track('navbar_click', { target: 'rewards' })}>Rewards</button>
 * ```
 */
export function useTrack(): Tracker {
  return useTrackerFor('useTrack')
}
