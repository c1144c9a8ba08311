import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  builtInFieldTypes,
  isForbiddenKey,
  isValidEventName,
  trackingPlan,
  validateEvent,
  type BuiltInEventProperties,
  type EventName,
  type PropertiesOfPlan,
} from '../index'
import { goodProperties, makeEvent, makeEventWithoutProperties } from './fixtures'

const eventNames = Object.keys(trackingPlan.events)

describe('trackingPlan', () => {
  it('has the same events and fields as the BuiltInEventProperties types', () => {
    // Compile-time: `npm run typecheck` fails when the data and the types disagree.
    expectTypeOf<PropertiesOfPlan<typeof trackingPlan>>().toEqualTypeOf<BuiltInEventProperties>()
    expect(eventNames.sort()).toEqual(Object.keys(goodProperties).sort())
  })

  it('lists the §三 and §八 events', () => {
    expect(eventNames).toEqual(
      expect.arrayContaining([
        'page_view',
        'navbar_click',
        'card_click',
        'action_start',
        'action_complete',
        'reward_claim',
        'recommend_impression',
        'recommend_click',
        'recommend_expand_collapse',
        'recommend_complete',
        'click',
        'form_submit',
        'error',
        'page_duration',
        'element_exposure',
        'scroll_depth',
        'web_vitals',
      ]),
    )
    expectTypeOf<'recommend_impression'>().toExtend<EventName>()
  })

  it.each(eventNames)('accepts a %s event with good data', (name) => {
    const properties = goodProperties[name as keyof typeof goodProperties]
    expect(validateEvent(makeEvent(name, properties))).toEqual({ valid: true, errors: [] })
  })

  it.each(eventNames)('names %s in lower_snake_case and describes it and its fields', (name) => {
    const spec = trackingPlan.events[name as keyof typeof trackingPlan.events]
    expect(isValidEventName(name)).toBe(true)
    expect(spec.description).not.toBe('')
    for (const [field, fieldSpec] of Object.entries(spec.fields)) {
      expect(isForbiddenKey(field), field).toBe(false)
      expect(fieldSpec.description, field).not.toBe('')
    }
  })

  it('accepts an event whose fields are all optional with empty or absent properties', () => {
    expect(validateEvent(makeEvent('click', {})).valid).toBe(true)
    expect(validateEvent(makeEventWithoutProperties('form_submit')).valid).toBe(true)
  })

  it('allows keys the plan does not list, as enrichment plugins add them', () => {
    const event = makeEvent('page_view', { page_name: 'home', utm_source: 'newsletter' })
    expect(validateEvent(event).valid).toBe(true)
  })
})

describe('builtInFieldTypes', () => {
  it('lists exactly the events of trackingPlan and the types of their non-string fields', () => {
    const derived = Object.fromEntries(
      Object.entries(trackingPlan.events).map(([name, spec]) => [
        name,
        Object.fromEntries(
          Object.entries(spec.fields)
            .filter(([, f]) => f.type !== 'string')
            .map(([field, f]) => [field, f.type]),
        ),
      ]),
    )
    expect(builtInFieldTypes).toEqual(derived)
  })
})
