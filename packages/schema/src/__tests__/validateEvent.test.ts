import { describe, expect, it } from 'vitest'
import { validateEvent, ValidationErrorCode, type ValidationError } from '../index'
import { makeEvent, makeEventWithoutProperties } from './fixtures'

const impression = (properties: unknown, overrides?: Record<string, unknown>) =>
  makeEvent('recommend_impression', properties, overrides)
const good = { delivery_id: 'dlv_7', content_type: 'action' }

/** The only error of an invalid event. */
function onlyError(event: unknown): ValidationError {
  const result = validateEvent(event)
  expect(result.valid).toBe(false)
  expect(result.errors).toHaveLength(1)
  return result.errors[0]!
}

describe('validateEvent', () => {
  it('accepts the §五 example event with an event_id', () => {
    expect(validateEvent(makeEvent('page_view', { page_name: 'onchain_landing' }))).toEqual({
      valid: true,
      errors: [],
    })
  })

  it('accepts an optional integer clock_offset, and refuses one that is not an integer', () => {
    const event = makeEvent('page_view', { page_name: 'home' }, { clock_offset: -7_200_000 })
    expect(validateEvent(event).valid).toBe(true)
    const bad = makeEvent('page_view', { page_name: 'home' }, { clock_offset: '2h' })
    expect(onlyError(bad)).toMatchObject({ field: 'clock_offset', code: 'wrong_type' })
  })

  it('accepts an optional string anonymous_id (absent from older clients), and refuses a number', () => {
    expect(validateEvent(makeEvent('page_view', { page_name: 'home' })).valid).toBe(true)
    const linked = makeEvent('page_view', { page_name: 'home' }, { anonymous_id: 'anon-1' })
    expect(validateEvent(linked).valid).toBe(true)
    const bad = makeEvent('page_view', { page_name: 'home' }, { anonymous_id: 42 })
    expect(onlyError(bad)).toMatchObject({ field: 'anonymous_id', code: 'wrong_type' })
  })

  describe('missing_field', () => {
    it('names the event when a required property is absent', () => {
      expect(onlyError(impression({ content_type: 'action' }))).toEqual({
        field: 'properties.delivery_id',
        code: ValidationErrorCode.MissingField,
        message: 'properties.delivery_id is required for recommend_impression',
      })
    })

    it('treats null and empty strings as missing (§八: required fields are never empty)', () => {
      expect(onlyError(impression({ ...good, delivery_id: null })).code).toBe('missing_field')
      const error = onlyError(impression({ ...good, delivery_id: '  ' }))
      expect(error.code).toBe('missing_field')
      expect(error.message).toContain('must not be empty')
    })

    it('reports every missing common field', () => {
      const result = validateEvent({ event_name: 'page_view', properties: { page_name: 'home' } })
      expect(result.errors.map((e) => [e.field, e.code])).toEqual([
        ['event_id', 'missing_field'],
        ['user_id', 'missing_field'],
        ['timestamp', 'missing_field'],
        ['platform', 'missing_field'],
        ['page', 'missing_field'],
        ['session_id', 'missing_field'],
      ])
      expect(result.errors[0]!.message).toBe('event_id is required')
    })

    it('requires the fields of an event whose properties are absent', () => {
      const event = makeEventWithoutProperties('recommend_impression')
      expect(validateEvent(event).errors.map((e) => e.field)).toEqual([
        'properties.delivery_id',
        'properties.content_type',
      ])
    })
  })

  describe('wrong_type', () => {
    it('says which type a property needs and what it got', () => {
      expect(onlyError(makeEvent('page_view', { page_name: 42 }))).toEqual({
        field: 'properties.page_name',
        code: ValidationErrorCode.WrongType,
        message: 'properties.page_name must be a string for page_view; got 42',
      })
    })

    it('rejects a fractional number for an integer field', () => {
      const error = onlyError(makeEvent('error', { message: 'boom', lineno: 1.5 }))
      expect(error.code).toBe('wrong_type')
      expect(error.message).toBe('properties.lineno must be an integer for error; got 1.5')
    })

    it('rejects a timestamp sent as a string', () => {
      const error = onlyError(impression(good, { timestamp: '1652345678901' }))
      expect(error).toMatchObject({ field: 'timestamp', code: 'wrong_type' })
      expect(error.message).toContain('must be an integer; got "1652345678901" (a string)')
    })

    it('rejects properties that are not a plain object', () => {
      const error = onlyError(makeEvent('click', ['claim']))
      expect(error).toMatchObject({ field: 'properties', code: 'wrong_type' })
      expect(error.message).toContain('got an array')
    })

    it.each([null, 'page_view', 42, [], new Date()])('rejects %j as an event', (event) => {
      const error = onlyError(event)
      expect(error).toMatchObject({ field: '', code: 'wrong_type' })
      expect(error.message).toMatch(/^an event must be an object with event_id, event_name/)
    })
  })

  describe('invalid_value', () => {
    it('lists the allowed values of an enum field', () => {
      const event = makeEvent('recommend_expand_collapse', { delivery_id: 'd', action: 'open' })
      expect(onlyError(event)).toEqual({
        field: 'properties.action',
        code: ValidationErrorCode.InvalidValue,
        message:
          'properties.action must be one of "expand", "collapse" for recommend_expand_collapse; got "open" (a string)',
      })
    })

    it('does not accept a numeric enum value sent as a string', () => {
      const error = onlyError(makeEvent('scroll_depth', { depth: '50' }))
      expect(error.code).toBe('invalid_value')
      expect(error.message).toContain('must be one of 25, 50, 75, 100')
    })

    it('rejects a number below the field minimum', () => {
      const error = onlyError(makeEvent('page_duration', { duration_ms: -5 }))
      expect(error.code).toBe('invalid_value')
      expect(error.message).toBe(
        'properties.duration_ms must be at least 0 for page_duration; got -5',
      )
    })

    it('rejects a platform outside web/ios/android', () => {
      const error = onlyError(impression(good, { platform: 'desktop' }))
      expect(error).toMatchObject({ field: 'platform', code: 'invalid_value' })
      expect(error.message).toContain('"web", "ios", "android"')
    })

    it('asks for a UUID event_id', () => {
      const error = onlyError(impression(good, { event_id: 'evt-1' }))
      expect(error).toMatchObject({ field: 'event_id', code: 'invalid_value' })
      expect(error.message).toContain('crypto.randomUUID()')
    })

    it('accepts an upper-case UUID from a native client', () => {
      const event = impression(good, { event_id: 'E621E1F8-C36C-495A-93FC-0C247A3E6E5F' })
      expect(validateEvent(event).valid).toBe(true)
    })

    it('explains that a timestamp in seconds must be sent in milliseconds', () => {
      const error = onlyError(impression(good, { timestamp: 1652345678 }))
      expect(error).toMatchObject({ field: 'timestamp', code: 'invalid_value' })
      expect(error.message).toContain('looks like seconds; send milliseconds')
    })

    it('rejects a timestamp that is not positive', () => {
      expect(onlyError(impression(good, { timestamp: 0 }))).toMatchObject({
        field: 'timestamp',
        code: 'invalid_value',
        message: 'timestamp must be at least 1; got 0',
      })
    })

    it('rejects NaN and Infinity in number fields', () => {
      expect(onlyError(makeEvent('web_vitals', { name: 'CLS', value: NaN })).message).toContain(
        'must be a finite number',
      )
      expect(onlyError(makeEvent('web_vitals', { name: 'CLS', value: Infinity })).code).toBe(
        'invalid_value',
      )
    })
  })

  describe('bad_name', () => {
    it.each(['PageView', 'page-view', 'page view', '1st_visit', 'page__view', '_page', 'página'])(
      'rejects the event name %j as not lower_snake_case',
      (name) => {
        const error = onlyError(makeEvent(name, {}))
        expect(error).toMatchObject({ field: 'event_name', code: ValidationErrorCode.BadName })
        expect(error.message).toContain('must be lower_snake_case (§八)')
      },
    )
  })

  describe('unknown_event', () => {
    it('points to extendPlan for a well-formed name the plan lacks', () => {
      expect(onlyError(makeEvent('checkout_start', {}))).toEqual({
        field: 'event_name',
        code: ValidationErrorCode.UnknownEvent,
        message:
          'event_name "checkout_start" is not in the tracking plan; add it with extendPlan() (and to EventProperties for types), or fix the name',
      })
    })

    it('does not mistake inherited object keys for events', () => {
      expect(onlyError(makeEvent('constructor', {})).code).toBe('unknown_event')
    })
  })

  describe('forbidden_key', () => {
    it('reports a sensitive property and says to remove it', () => {
      const error = onlyError(makeEvent('click', { password: 'hunter2' }))
      expect(error).toMatchObject({ field: 'properties.password', code: 'forbidden_key' })
      expect(error.message).toContain('must not be tracked (§八); remove it')
    })

    it('reports sensitive keys at any depth, in objects and arrays', () => {
      const event = makeEvent('reward_claim', {
        reward_type: 'nft',
        wallet: { address: '0xabc', privateKey: '0x123', meta: { seed_phrase: 'a b c' } },
        steps: [{ ok: true }, { mnemonic: 'x y z' }],
      })
      expect(validateEvent(event).errors.map((e) => [e.code, e.field])).toEqual([
        ['forbidden_key', 'properties.wallet.privateKey'],
        ['forbidden_key', 'properties.wallet.meta.seed_phrase'],
        ['forbidden_key', 'properties.steps[1].mnemonic'],
      ])
    })

    it('reports sensitive keys outside properties too', () => {
      const error = onlyError(impression(good, { api_key: 'k' }))
      expect(error).toMatchObject({ field: 'api_key', code: 'forbidden_key' })
    })

    it('survives a cyclic value', () => {
      const properties: Record<string, unknown> = { page_name: 'home' }
      properties.self = properties
      expect(validateEvent(makeEvent('page_view', properties)).valid).toBe(true)
    })
  })

  it('reports several problems of one event together, in field order', () => {
    const event = makeEvent('recommend_click', { content_type: 1, secret: 's' }, { page: '' })
    expect(validateEvent(event).errors.map((e) => e.field)).toEqual([
      'page',
      'properties.delivery_id',
      'properties.content_type',
      'properties.secret',
    ])
  })
})
