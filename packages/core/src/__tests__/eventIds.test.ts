import { describe, expect, it } from 'vitest'
import { createEventIds } from '../uuid'

const V7 = /^[\da-f]{8}-[\da-f]{4}-7[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/
const timeOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16)

describe('createEventIds (UUID v7)', () => {
  it('makes RFC 9562 version-7 ids whose first 48 bits are the event time', () => {
    const next = createEventIds()
    const now = Date.UTC(2026, 10, 26, 12, 0, 0, 123)
    const id = next(now)
    expect(id).toMatch(V7)
    expect(timeOf(id)).toBe(now)
  })

  it('counts within a millisecond, so ids are unique and sort in the order they were made', () => {
    const next = createEventIds()
    const ids = [next(1000), next(1000), next(1000), next(1001), next(1001), next(2000)]
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    expect(ids[1]!.slice(15, 18)).toBe('001')
    expect(ids[3]!.slice(15, 18)).toBe('000')
  })

  it('borrows the next millisecond after 4,096 ids in one, and never goes back with the clock', () => {
    const next = createEventIds()
    const ids = Array.from({ length: 5000 }, () => next(1_700_000_000_000))
    ids.push(next(1_699_999_999_000)) // the clock stepped back
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    expect(ids.every((id) => V7.test(id))).toBe(true)
    expect(timeOf(ids[4095]!)).toBe(1_700_000_000_000)
    expect(timeOf(ids[4096]!)).toBe(1_700_000_000_001)
  })

  it('gives two trackers different random bits', () => {
    expect(createEventIds()(5).slice(19)).not.toBe(createEventIds()(5).slice(19))
  })
})
