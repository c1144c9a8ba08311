import { useCallback, useEffect, useRef } from 'react'
import { observeImpression } from '@trackpoint/core'
import type { EventName, EventProperties, ImpressionOptions } from '@trackpoint/core'
import { useTrackerFor } from './trackContext'

/** Options of {@link useImpression}: the impression rule of `observeImpression`, and the event. */
export interface UseImpressionOptions<
  N extends EventName = 'recommend_impression',
> extends ImpressionOptions {
  /**
   * The event tracked when the element passes the rule.
   * @default 'recommend_impression'
   */
  event?: N
  /**
   * What is shown: the event fires once per element, event and key per page view.
   * @default props.delivery_id, or '' when props have none
   */
  key?: string
}

/** A ref callback: pass it as `ref` to the element whose impression counts. */
export type ImpressionRef = (element: Element | null) => void

/**
 * Tracks `recommend_impression` (or `options.event`) with `props` once the element given to
 * the returned ref has been at least half visible for one second (see `observeImpression` of
 * @trackpoint/core for the rule and its options), once per `delivery_id` per page view.
 *
 * @throws Error when there is no `<TrackProvider>` above the component.
 *
 * @example
 * ```tsx
 * const ref = useImpression({ delivery_id: 'd_1', content_type: 'action' })
 * return <article ref={ref}>…</article>
 * ```
 */
export function useImpression<N extends EventName = 'recommend_impression'>(
  props: EventProperties[N],
  options: UseImpressionOptions<N> = {},
): ImpressionRef {
  const tracker = useTrackerFor('useImpression')
  const { event = 'recommend_impression' as N, threshold, minVisibleMs, once } = options
  // Per event too: two events observed on one element with one delivery_id are two impressions.
  const key = `${event}:${options.key ?? String((props as { delivery_id?: unknown }).delivery_id ?? '')}`
  // The latest props are tracked without restarting the observation on every render.
  const latest = useRef(props)
  useEffect(() => {
    latest.current = props
  })
  const stop = useRef<(() => void) | undefined>(undefined)
  return useCallback(
    (element: Element | null) => {
      // React calls a ref with null on detach (and, in React 19 StrictMode, attaches twice).
      stop.current?.()
      stop.current = element
        ? observeImpression(element, () => tracker.track(event, latest.current), {
            threshold,
            minVisibleMs,
            key,
            once,
          })
        : undefined
    },
    [tracker, event, key, threshold, minVisibleMs, once],
  )
}
