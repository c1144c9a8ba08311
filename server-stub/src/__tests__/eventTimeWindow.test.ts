import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../config'
import {
  classifyInsertFailure,
  insertIsolating,
  type InsertFailureKind,
} from '../consumer/insertIsolating'
import { acceptedWindow, checkEventTime, eventTime } from '../eventTimeWindow'

const HOUR = 3_600_000
const DAY = 24 * HOUR

describe('acceptedWindow', () => {
  it('reaches 1 h ahead and back to the first day the 3-month TTL still keeps', () => {
    const now = Date.parse('2026-05-31T12:00:00Z')
    const window = acceptedWindow(now, DEFAULT_LIMITS)
    expect(window.newest).toBe(now + HOUR)
    // 2026-03-01 + 3 MONTH = 2026-06-01 > today; 2026-02-28 + 3 MONTH = 2026-05-28 ≤ today.
    expect(new Date(window.oldest).toISOString()).toBe('2026-03-01T00:00:00.000Z')
  })

  it('narrows to maxPastDays and maxFutureMs when they are tighter', () => {
    const now = Date.parse('2026-05-31T12:00:00Z')
    const window = acceptedWindow(now, { maxFutureMs: 60_000, maxPastDays: 7 })
    expect(window).toEqual({ oldest: now - 7 * DAY, newest: now + 60_000 })
  })
})

describe('checkEventTime', () => {
  const now = Date.parse('2026-05-31T12:00:00Z')
  const window = acceptedWindow(now, DEFAULT_LIMITS)

  it('takes timestamp + clock_offset as the time: a phone 2 h ahead still counts, now', () => {
    const phone = { timestamp: now + 2 * HOUR, clock_offset: -2 * HOUR }
    expect(eventTime(phone)).toBe(now)
    expect(checkEventTime(eventTime(phone), window)).toBeUndefined()
    expect(checkEventTime(eventTime({ timestamp: now + 2 * HOUR }), window)?.code).toBe(
      'timestamp_in_future',
    )
  })

  it('refuses 2200-01-01, year 5138 and a day the TTL already removed, with a code', () => {
    expect(checkEventTime(Date.parse('2200-01-01T00:00:00Z'), window)?.code).toBe(
      'timestamp_in_future',
    )
    expect(checkEventTime(Date.UTC(5138, 0, 1), window)?.code).toBe('timestamp_in_future')
    expect(checkEventTime(Date.parse('2026-02-28T23:59:59Z'), window)?.code).toBe(
      'timestamp_too_old',
    )
    expect(checkEventTime(window.oldest, window)).toBeUndefined()
    expect(checkEventTime(window.newest, window)).toBeUndefined()
    expect(checkEventTime(window.newest + 1, window)?.message).toMatch(/device clock/)
  })
})

describe('classifyInsertFailure', () => {
  const server = (type: string, message = 'x') =>
    Object.assign(new Error(message), { code: '1', type })

  it('blames the rows for a parse error and for too many partitions in one block', () => {
    expect(classifyInsertFailure(server('CANNOT_PARSE_DATETIME'))).toBe('rows')
    expect(
      classifyInsertFailure(
        server('TOO_MANY_PARTS', 'Too many partitions for single INSERT block (more than 100)'),
      ),
    ).toBe('rows')
  })

  it('blames the store for a refused connection, too many parts and a missing table', () => {
    expect(classifyInsertFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(
      'store',
    )
    expect(classifyInsertFailure(server('TOO_MANY_PARTS', 'Too many parts (300)'))).toBe('store')
    expect(classifyInsertFailure(server('UNKNOWN_TABLE'))).toBe('store')
    expect(classifyInsertFailure(new Error('closed'))).toBe('store')
  })
})

describe('insertIsolating', () => {
  // A store that refuses every batch holding a poison number, as ClickHouse refuses a block.
  const storeRefusing = (poison: Set<number>) => {
    const stored: number[] = []
    let calls = 0
    const insert = (rows: number[]) => {
      calls++
      const bad = rows.find((row) => poison.has(row))
      if (bad !== undefined) return Promise.reject(new Error(`cannot parse row ${bad}`))
      stored.push(...rows)
      return Promise.resolve()
    }
    return { insert, stored, calls: () => calls }
  }
  const rows = Array.from({ length: 1000 }, (_, i) => i)
  const rowsFault = (): InsertFailureKind => 'rows'

  it('stores every row but the poison ones, which come back alone with the reason', async () => {
    const store = storeRefusing(new Set([3, 500, 999]))
    const refused = await insertIsolating(store.insert, rows, {
      storeUp: () => Promise.resolve(true),
      classify: rowsFault,
    })
    expect(refused).toEqual([
      { row: 3, reason: 'cannot parse row 3' },
      { row: 500, reason: 'cannot parse row 500' },
      { row: 999, reason: 'cannot parse row 999' },
    ])
    expect(store.stored.sort((a, b) => a - b)).toEqual(
      rows.filter((r) => ![3, 500, 999].includes(r)),
    )
    // k poison rows among n cost O(k log n) inserts, not n.
    expect(store.calls()).toBeLessThan(3 * 2 * Math.log2(1000) + 2)
  })

  it('throws instead of refusing when the store is down: the batch is retried, not dead-lettered', async () => {
    const store = storeRefusing(new Set([7]))
    await expect(
      insertIsolating(store.insert, rows, {
        storeUp: () => Promise.resolve(false),
        classify: rowsFault,
      }),
    ).rejects.toThrow('cannot parse row 7')
    const down = () =>
      Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
    await expect(
      insertIsolating(down, rows, { storeUp: () => Promise.resolve(true) }),
    ).rejects.toThrow('ECONNREFUSED')
  })
})
