import { useEffect, useRef } from 'react'
import { beginPageView } from '@trackpoint/core'
import type { EventProperties } from '@trackpoint/core'
import { useTrackerFor } from './trackContext'

/** Properties of `page_view` besides `page_name`, e.g. `referrer`. */
export type PageViewProps = Omit<EventProperties['page_view'], 'page_name'>

/**
 * Tracks `page_view` with `page_name: name` when the component mounts, and again whenever
 * `name` changes. StrictMode's simulated unmount and remount count as one page view; a real
 * remount counts as a new one. `props` are read when the page view is tracked. Each one also
 * begins a page view of core (`beginPageView`), so impressions on the new page count again.
 *
 * @throws Error when there is no `<TrackProvider>` above the component.
 *
 * @example
 * ```tsx
 * function Landing() {
 *   usePageView('onchain_landing', { referrer: document.referrer })
 * }
 * ```
 */
export function usePageView(name: string, props?: PageViewProps): void {
  const tracker = useTrackerFor('usePageView')
  // StrictMode re-runs effects on the same component instance, so this ref survives it.
  const tracked = useRef<string | undefined>(undefined)
  useEffect(() => {
    if (tracked.current === name) return
    tracked.current = name
    beginPageView()
    tracker.track('page_view', { ...props, page_name: name })
    // Only a new name is a new page view; new props alone are not, so they are not a dependency.
  }, [tracker, name])
}
