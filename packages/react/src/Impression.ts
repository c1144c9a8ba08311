import { createElement } from 'react'
import type { HTMLAttributes, ReactElement } from 'react'
import type { EventName, EventProperties } from '@trackpoint/core'
import { useImpression } from './useImpression'
import type { UseImpressionOptions } from './useImpression'

/** Props of {@link Impression}; any other attribute goes to the rendered element. */
export interface ImpressionProps<
  N extends EventName = 'recommend_impression',
> extends HTMLAttributes<HTMLElement> {
  /** The event's properties, e.g. `{ delivery_id, content_type }`. */
  props: EventProperties[N]
  /** The impression rule and the event; see {@link UseImpressionOptions}. */
  options?: UseImpressionOptions<N>
  /**
   * The element to render.
   * @default 'div'
   */
  as?: keyof HTMLElementTagNameMap
}

/**
 * Renders an element (a `div` unless `as` says otherwise) whose impression is tracked as
 * {@link useImpression} does: for content you render in a list without a component of its own.
 *
 * @example
 * ```tsx
 * <Impression as="li" props={{ delivery_id: d.id, content_type: 'action' }}>{d.title}</Impression>
 * ```
 */
export function Impression<N extends EventName = 'recommend_impression'>({
  props,
  options,
  as = 'div',
  ...attributes
}: ImpressionProps<N>): ReactElement {
  return createElement(as, { ...attributes, ref: useImpression(props, options) })
}
