import { describe, expect, it } from 'vitest'
import { addDays, dayIn, presetRange } from '../dateRange'

describe('dateRange', () => {
  // 2026-12-02 17:30 UTC is already 2026-12-03 in Shanghai (UTC+8) and still 12-02 in New York.
  const now = new Date(Date.UTC(2026, 11, 2, 17, 30))

  it('takes the day in the operator’s zone, not UTC’s', () => {
    expect(dayIn('Asia/Shanghai', now)).toBe('2026-12-03')
    expect(dayIn('UTC', now)).toBe('2026-12-02')
    expect(dayIn('America/New_York', now)).toBe('2026-12-02')
  })

  it('ends every preset today in the zone, today included', () => {
    expect(presetRange('today', 'Asia/Shanghai', now)).toEqual({
      from: '2026-12-03',
      to: '2026-12-03',
    })
    expect(presetRange('7d', 'Asia/Shanghai', now)).toEqual({
      from: '2026-11-27',
      to: '2026-12-03',
    })
    expect(presetRange('30d', 'UTC', now)).toEqual({ from: '2026-11-03', to: '2026-12-02' })
  })

  it('moves calendar days across month, year and DST changes', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    // New York's DST ends 2026-11-01: still one calendar day.
    expect(addDays('2026-11-01', 1)).toBe('2026-11-02')
  })
})
