// The shape check of a refusal tally read from Kafka (stats/refusalTallies.ts): what the
// consumer stores must be a whole tally, or it is skipped.
import { describe, expect, it } from 'vitest'
import { parseRefusalTally } from '../stats/refusalTallies'

const MINUTE = 1_764_700_020_000

describe('parseRefusalTally', () => {
  it('takes a tally: instance, a minute start in ms, whole counts by reason', () => {
    const tally = { instance: 'i-1', minute: MINUTE, rejected: { bad_sign: 3, invalid_type: 0 } }
    expect(parseRefusalTally(tally)).toEqual(tally)
  })

  it.each([
    ['not an object', 'tally'],
    ['no instance', { minute: MINUTE, rejected: {} }],
    ['an instance too long', { instance: 'x'.repeat(201), minute: MINUTE, rejected: {} }],
    ['a minute not on a minute', { instance: 'i', minute: MINUTE + 1, rejected: {} }],
    ['a minute as text', { instance: 'i', minute: String(MINUTE), rejected: {} }],
    ['counts as an array', { instance: 'i', minute: MINUTE, rejected: [1] }],
    ['a negative count', { instance: 'i', minute: MINUTE, rejected: { r: -1 } }],
    ['a fractional count', { instance: 'i', minute: MINUTE, rejected: { r: 1.5 } }],
    ['an empty reason', { instance: 'i', minute: MINUTE, rejected: { '': 1 } }],
  ])('skips %s', (_, value) => {
    expect(parseRefusalTally(value)).toBeUndefined()
  })
})
