import { describe, expect, it } from 'vitest'
import { startOfZonedDay } from '../stats/trackingHealth'
import { nextZonedMidnight } from '../stats/warmUp'

const iso = (ms: number) => new Date(ms).toISOString()
const at = (text: string) => Date.parse(text)

describe('startOfZonedDay', () => {
  it('is 00:00 local time on an ordinary day, to the second', () => {
    expect(iso(startOfZonedDay(at('2026-12-02T15:30:45.678Z'), 'UTC'))).toBe(
      '2026-12-02T00:00:00.000Z',
    )
    // Shanghai is UTC+8: 02:00 UTC on the 2nd is 10:00 there; its day began at 16:00 UTC on the 1st.
    expect(iso(startOfZonedDay(at('2026-12-02T02:00:00Z'), 'Asia/Shanghai'))).toBe(
      '2026-12-01T16:00:00.000Z',
    )
    // India is UTC+5:30.
    expect(iso(startOfZonedDay(at('2026-12-02T12:00:00Z'), 'Asia/Kolkata'))).toBe(
      '2026-12-01T18:30:00.000Z',
    )
    // Exactly at midnight, the day is the one beginning.
    expect(iso(startOfZonedDay(at('2026-12-01T16:00:00Z'), 'Asia/Shanghai'))).toBe(
      '2026-12-01T16:00:00.000Z',
    )
  })

  it('counts the hours that passed, not the wall clock, on the days the clocks change', () => {
    // New York springs forward on 8 March 2026 (02:00 → 03:00): at noon (16:00 UTC, EDT) only
    // 11 hours have passed since midnight (05:00 UTC, EST). Subtracting the wall clock's 12
    // hours gave 04:00 UTC, the day before.
    expect(iso(startOfZonedDay(at('2026-03-08T16:00:00Z'), 'America/New_York'))).toBe(
      '2026-03-08T05:00:00.000Z',
    )
    // It falls back on 1 November 2026 (02:00 → 01:00): at noon (17:00 UTC, EST) 13 hours have
    // passed since midnight (04:00 UTC, EDT).
    expect(iso(startOfZonedDay(at('2026-11-01T17:00:00Z'), 'America/New_York'))).toBe(
      '2026-11-01T04:00:00.000Z',
    )
    // Berlin, late March: 02:00 → 03:00 on the 29th.
    expect(iso(startOfZonedDay(at('2026-03-29T20:00:00Z'), 'Europe/Berlin'))).toBe(
      '2026-03-28T23:00:00.000Z',
    )
  })

  it('begins the day at the clock change when the change skips midnight', () => {
    // Santiago moves from UTC-4 to UTC-3 at 00:00 on 6 September 2026: the day has no 00:00
    // and begins at 01:00 local, 04:00 UTC.
    expect(iso(startOfZonedDay(at('2026-09-06T15:00:00Z'), 'America/Santiago'))).toBe(
      '2026-09-06T04:00:00.000Z',
    )
  })

  it('gives the warm-up the next midnight across a clock change', () => {
    // From the afternoon of 7 March in New York, the next midnight is 05:00 UTC on the 8th
    // (still EST), and from the 8th's afternoon it is 04:00 UTC on the 9th (EDT).
    expect(iso(nextZonedMidnight(at('2026-03-07T20:00:00Z'), 'America/New_York'))).toBe(
      '2026-03-08T05:00:00.000Z',
    )
    expect(iso(nextZonedMidnight(at('2026-03-08T20:00:00Z'), 'America/New_York'))).toBe(
      '2026-03-09T04:00:00.000Z',
    )
  })
})
