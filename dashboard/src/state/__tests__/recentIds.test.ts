import { describe, expect, it } from 'vitest'
import { createRecentIds } from '../recentIds'

const events = (...ids: string[]) => ids.map((event_id) => ({ event_id, event_name: 'e' }))
const idsOf = (list: { event_id: string }[]) => list.map((e) => e.event_id)

describe('createRecentIds', () => {
  it('drops the events of an answer that an earlier answer already returned, in order', () => {
    const recent = createRecentIds(100)
    expect(idsOf(recent.fresh(events('a', 'b', 'c')))).toEqual(['a', 'b', 'c'])
    // The next poll re-reads the overlap: b and c come again, d and e are new.
    expect(idsOf(recent.fresh(events('b', 'c', 'd', 'e')))).toEqual(['d', 'e'])
    expect(idsOf(recent.fresh(events('e')))).toEqual([])
    expect(idsOf(recent.fresh(events('f', 'f')))).toEqual(['f'])
  })

  it('keeps only the newest ids, forgetting the oldest first', () => {
    const recent = createRecentIds(3)
    recent.fresh(events('a', 'b', 'c', 'd'))
    // a was forgotten; b, c, d are still known.
    expect(idsOf(recent.fresh(events('a', 'b', 'c', 'd')))).toEqual(['a'])
    // Remembered now: c, d, a — b was the oldest and went out.
    expect(idsOf(recent.fresh(events('b', 'd')))).toEqual(['b'])
  })

  it('starts over after clear, and refuses a capacity that is not a positive integer', () => {
    const recent = createRecentIds(10)
    recent.fresh(events('a'))
    recent.clear()
    expect(idsOf(recent.fresh(events('a')))).toEqual(['a'])
    expect(() => createRecentIds(0)).toThrow(/positive integer/)
  })
})
