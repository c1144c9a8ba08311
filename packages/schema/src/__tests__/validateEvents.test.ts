import { describe, expect, it } from 'vitest'
import { validateEvents } from '../index'
import { makeEvent } from './fixtures'

describe('validateEvents', () => {
  it('returns one result per event with its event_index, as the debug API reports', () => {
    const results = validateEvents([
      makeEvent('page_view', { page_name: 'home' }),
      makeEvent('card_click', {}),
      'not an event',
      makeEvent('scroll_depth', { depth: 100 }),
    ])
    expect(results.map(({ event_index, valid }) => ({ event_index, valid }))).toEqual([
      { event_index: 0, valid: true },
      { event_index: 1, valid: false },
      { event_index: 2, valid: false },
      { event_index: 3, valid: true },
    ])
    expect(results[0]).toEqual({ event_index: 0, valid: true, errors: [] })
    expect(results[1]!.errors[0]!.message).toBe('properties.card_id is required for card_click')
  })

  it('returns no results for an empty batch', () => {
    expect(validateEvents([])).toEqual([])
  })

  it('throws a TypeError when the batch is not an array', () => {
    expect(() => validateEvents({} as unknown as unknown[])).toThrow(
      'validateEvents expects an array of events',
    )
  })
})
