import { describe, expect, it } from 'vitest'
import { extendPlan, trackingPlan, validateEvent, type TrackingPlan } from '../index'
import { makeEvent } from './fixtures'

const checkout = {
  description: 'The user opened the checkout.',
  fields: {
    cart_id: { type: 'string', required: true, description: 'The cart.' },
    item_count: { type: 'integer', min: 0, description: 'Items in the cart.' },
  },
} as const

describe('extendPlan', () => {
  const plan = extendPlan(trackingPlan, {
    events: { checkout_start: checkout },
    fields: { page_view: { experiment: { type: ['a', 'b'], description: 'A/B variant.' } } },
  })

  it('validates an app event added to the plan', () => {
    expect(validateEvent(makeEvent('checkout_start', { cart_id: 'c1' }), plan).valid).toBe(true)
    expect(validateEvent(makeEvent('checkout_start', {}), plan).errors[0]!.message).toBe(
      'properties.cart_id is required for checkout_start',
    )
  })

  it('validates fields added to a built-in event and keeps its own', () => {
    const variantC = makeEvent('page_view', { page_name: 'home', experiment: 'c' })
    expect(validateEvent(variantC, plan).errors.map((e) => e.field)).toEqual([
      'properties.experiment',
    ])
    expect(validateEvent(makeEvent('page_view', {}), plan).errors[0]!.field).toBe(
      'properties.page_name',
    )
  })

  it('keeps the built-in events and leaves the base plan unchanged', () => {
    expect(Object.keys(plan.events)).toEqual([
      ...Object.keys(trackingPlan.events),
      'checkout_start',
    ])
    expect('checkout_start' in trackingPlan.events).toBe(false)
    expect(Object.keys(trackingPlan.events.page_view.fields)).toEqual([
      'page_name',
      'referrer',
      'utm_source',
      'utm_medium',
      'utm_campaign',
      'utm_term',
      'utm_content',
      'referrer_domain',
    ])
    expect(validateEvent(makeEvent('checkout_start', { cart_id: 'c1' })).errors[0]!.code).toBe(
      'unknown_event',
    )
  })

  it('extends an extended plan', () => {
    const again = extendPlan(plan, {
      events: { checkout_done: { description: 'Paid.', fields: {} } },
    })
    expect(validateEvent(makeEvent('checkout_done', {}), again).valid).toBe(true)
    expect(validateEvent(makeEvent('checkout_start', { cart_id: 'c' }), again).valid).toBe(true)
  })

  it('adds fields to an event added in the same call', () => {
    const withFields = extendPlan(trackingPlan, {
      events: { checkout_start: checkout },
      fields: { checkout_start: { coupon: { type: 'string', description: 'Coupon code.' } } },
    })
    const event = makeEvent('checkout_start', { cart_id: 'c', coupon: 5 })
    expect(validateEvent(event, withFields).errors[0]!.field).toBe('properties.coupon')
  })

  describe('throws at once on a programmer error', () => {
    const extendWith = (extra: Parameters<typeof extendPlan>[1]) => () =>
      extendPlan(trackingPlan, extra)
    const event = (fields: TrackingPlan['events'][string]['fields']) => ({
      description: 'x',
      fields,
    })

    it('for an event name that is not lower_snake_case', () => {
      expect(extendWith({ events: { CheckoutStart: checkout } })).toThrow(
        'extendPlan: event name "CheckoutStart" must be lower_snake_case (§八)',
      )
    })

    it('for an event already in the plan', () => {
      expect(extendWith({ events: { page_view: checkout } })).toThrow(
        'extendPlan: event "page_view" is already in the plan; add fields to it with { fields: { page_view: {…} } }',
      )
    })

    it('for fields of an event not in the plan', () => {
      expect(extendWith({ fields: { checkout: {} } })).toThrow(
        'extendPlan: cannot add fields to "checkout", which is not in the plan; add it under events',
      )
    })

    it('for a field defined twice', () => {
      const again = { page_name: { type: 'string', description: 'x' } } as const
      expect(extendWith({ fields: { page_view: again } })).toThrow(
        'extendPlan: field "page_name" of event "page_view" is already defined',
      )
    })

    it('for a field that names sensitive data', () => {
      const field = { wallet_mnemonic: { type: 'string', description: 'x' } } as const
      expect(extendWith({ events: { wallet_import: event(field) } })).toThrow(
        'extendPlan: field "wallet_mnemonic" of event "wallet_import" names sensitive data',
      )
    })

    it.each([['date'], [[]], [[{}]], [undefined]])('for the field type %j', (type) => {
      const field = { when: { type, description: 'x' } } as unknown as Record<string, never>
      expect(extendWith({ events: { app_event: event(field) } })).toThrow(
        /extendPlan: field "when" of event "app_event" has type .*; use 'string', 'number'/,
      )
    })

    it('for an event without a fields object', () => {
      const spec = { description: 'x' } as unknown as typeof checkout
      expect(extendWith({ events: { app_event: spec } })).toThrow(
        'extendPlan: event "app_event" needs a fields object (use {} for none)',
      )
    })
  })
})
