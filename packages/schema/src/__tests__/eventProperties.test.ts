import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  extendPlan,
  trackingPlan,
  validateEvent,
  type BuiltInEventProperties,
  type CommonFields,
  type EventName,
  type EventProperties,
  type PropertiesOfPlan,
} from '../index'
import { makeEvent } from './fixtures'

// How an app adds its own events and its own optional keys to a built-in event. The names are
// prefixed so the augmentation, which the whole repository's type check sees, cannot clash.
const appPlan = {
  events: {
    schema_test_data_first: {
      description: 'An event written as data first.',
      fields: { level: { type: 'integer', required: true, description: 'The level.' } },
    },
  },
} as const

declare module '../index' {
  interface EventProperties extends PropertiesOfPlan<typeof appPlan> {
    schema_test_checkout: { cart_id: string; item_count?: number }
    page_view: BuiltInEventProperties['page_view'] & { schema_test_variant?: string }
  }
}

/** A stand-in for core's `track()`, typed the same way. */
function track<N extends EventName>(name: N, properties: EventProperties[N]) {
  return makeEvent(name, properties)
}

describe('EventProperties', () => {
  it('types every built-in event and rejects typos at compile time', () => {
    expectTypeOf<EventProperties['recommend_impression']>().toEqualTypeOf<{
      delivery_id: string
      content_type: string
    }>()
    expectTypeOf<EventProperties['scroll_depth']['depth']>().toEqualTypeOf<25 | 50 | 75 | 100>()
    expectTypeOf<'page_veiw'>().not.toExtend<EventName>()

    // @ts-expect-error a typo'd event name is not an EventName
    track('page_veiw', { page_name: 'home' })
    // @ts-expect-error recommend_impression needs a delivery_id
    track('recommend_impression', { content_type: 'action' })
    // @ts-expect-error a typo'd field name is an excess property
    track('recommend_click', { delivery_id: 'd', content_type: 'a', delivry_id: 'd' })
    // @ts-expect-error action is expand or collapse
    track('recommend_expand_collapse', { delivery_id: 'd', action: 'open' })

    expect(
      validateEvent(track('recommend_click', { delivery_id: 'd', content_type: 'a' })).valid,
    ).toBe(true)
  })

  it('takes new events and extra optional keys by module augmentation', () => {
    expectTypeOf<'schema_test_checkout'>().toExtend<EventName>()
    expectTypeOf<EventProperties['schema_test_data_first']>().toEqualTypeOf<{ level: number }>()
    // @ts-expect-error cart_id is required by the augmentation
    track('schema_test_checkout', { item_count: 2 })

    const plan = extendPlan(trackingPlan, {
      events: {
        ...appPlan.events,
        schema_test_checkout: {
          description: 'The user opened the checkout.',
          fields: {
            cart_id: { type: 'string', required: true, description: 'The cart.' },
            item_count: { type: 'integer', description: 'Items in the cart.' },
          },
        },
      },
      fields: { page_view: { schema_test_variant: { type: 'string', description: 'Variant.' } } },
    })
    const events = [
      track('schema_test_checkout', { cart_id: 'c1', item_count: 2 }),
      track('schema_test_data_first', { level: 3 }),
      track('page_view', { page_name: 'home', schema_test_variant: 'b' }),
    ]
    expect(events.map((event) => validateEvent(event, plan).valid)).toEqual([true, true, true])
  })

  it('types CommonFields.properties by the event name', () => {
    expectTypeOf<CommonFields<'card_click'>['properties']>().toEqualTypeOf<{ card_id: string }>()
    expectTypeOf<CommonFields['properties']>().toEqualTypeOf<Record<string, unknown>>()
    const event: CommonFields<'card_click'> = makeEvent('card_click', { card_id: 'c' })
    expect(validateEvent(event).valid).toBe(true)
  })
})
