// Compile-time checks of track() against the tracking plan. `npm run typecheck` fails if a
// `@ts-expect-error` below stops being an error; vitest runs the calls on an inert tracker.
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { EventName, Tracker } from '../index'
import { createTracker } from '../index'

describe('track() types', () => {
  const tracker: Tracker = createTracker({ endpoint: 'https://c.example', appId: 'types' })

  it('accepts the events of the plan with their properties', () => {
    tracker.track('recommend_impression', { delivery_id: 'd1', content_type: 'banner' })
    tracker.track('recommend_expand_collapse', { delivery_id: 'd1', action: 'expand' })
    tracker.track('page_view', { page_name: 'onchain_landing' })
    expectTypeOf<'card_click'>().toExtend<EventName>()
  })

  it('rejects a typo in an event name, a missing delivery_id and a wrong enum value', () => {
    // @ts-expect-error: 'recomend_click' is not an event of the plan
    tracker.track('recomend_click', { delivery_id: 'd1', content_type: 'banner' })
    // @ts-expect-error: delivery_id is required for recommend_impression
    tracker.track('recommend_impression', { content_type: 'banner' })
    // @ts-expect-error: action is 'expand' | 'collapse'
    tracker.track('recommend_expand_collapse', { delivery_id: 'd1', action: 'open' })
    // @ts-expect-error: a misspelt property is not in the plan
    tracker.track('card_click', { cardId: 'c1' })
    expect(() => tracker.track('page_view', { page_name: 'x' })).not.toThrow()
  })
})
