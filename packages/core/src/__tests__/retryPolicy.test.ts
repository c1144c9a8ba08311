import { describe, expect, it } from 'vitest'
import { backoffDelay, parseRetryAfter, retryDelay } from '../retryPolicy'

const almostOne = () => 0.999999

describe('backoffDelay', () => {
  it('waits 0 ms when the random source gives 0', () => {
    for (const attempt of [1, 2, 5, 30])
      expect(backoffDelay(attempt, 1000, 60_000, () => 0)).toBe(0)
  })

  it('stays just under base·2^(attempt-1) when the random source nears 1', () => {
    expect(backoffDelay(1, 1000, 60_000, almostOne)).toBe(999)
    expect(backoffDelay(2, 1000, 60_000, almostOne)).toBe(1999)
    expect(backoffDelay(3, 1000, 60_000, almostOne)).toBe(3999)
    expect(backoffDelay(4, 1000, 60_000, almostOne)).toBe(7999)
  })

  it('doubles the bound with each failed attempt', () => {
    const half = () => 0.5
    const delays = [1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, 1000, 1e9, half))
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000])
  })

  it('never exceeds the cap, however many attempts failed', () => {
    for (const attempt of [7, 10, 50, 1000, 5000]) {
      const delay = backoffDelay(attempt, 1000, 60_000, almostOne)
      expect(delay).toBeLessThan(60_000)
      expect(delay).toBe(59_999)
    }
  })

  it('picks a uniformly random wait between 0 and the bound (full jitter)', () => {
    expect(backoffDelay(3, 1000, 60_000, () => 0.25)).toBe(1000)
    expect(backoffDelay(3, 1000, 60_000, () => 0.75)).toBe(3000)
  })

  it('stays within [0, bound) with the default Math.random', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(3, 1000, 60_000)
      expect(delay).toBeGreaterThanOrEqual(0)
      expect(delay).toBeLessThan(4000)
      expect(Number.isInteger(delay)).toBe(true)
    }
  })
})

describe('parseRetryAfter', () => {
  // A whole second, because HTTP dates carry no milliseconds.
  const now = Date.UTC(2024, 0, 15, 12, 0, 0)

  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter(' 5 ', now)).toBe(5000)
  })

  it('reads an HTTP date in the future as the time left until it', () => {
    const header = new Date(now + 30_000).toUTCString() // "Mon, 15 Jan 2024 12:00:30 GMT"
    expect(parseRetryAfter(header, now)).toBe(30_000)
  })

  it('reads an HTTP date in the past as no wait', () => {
    expect(parseRetryAfter(new Date(now - 60_000).toUTCString(), now)).toBe(0)
  })

  it.each([null, '', '   ', 'soon', 'tomorrow', '10 seconds', '5s'])(
    'returns undefined for the missing or unreadable header %j',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined()
    },
  )

  // RFC 9110 §10.2.3: delay-seconds is 1*DIGIT. V8's lenient Date.parse reads "-5", "+5",
  // "1.5" and "later 2" as dates in 2001, so they come back as 0 and the caller retries at once.
  it('returns undefined for malformed delay-seconds instead of reading them as a past date', () => {
    for (const value of ['-5', '+5', '1.5', 'later 2']) {
      expect(parseRetryAfter(value, now), JSON.stringify(value)).toBeUndefined()
    }
  })
})

describe('retryDelay', () => {
  const now = Date.parse('2026-12-02T10:00:00Z')
  const asked = (header: string) => parseRetryAfter(header, now)

  it('waits what Retry-After asks within the bounds', () => {
    expect(retryDelay(asked('7'), 1, 1000, 60_000)).toBe(7000)
    expect(retryDelay(asked('Wed, 02 Dec 2026 10:00:30 GMT'), 1, 1000, 60_000)).toBe(30_000)
  })

  it('clamps a Retry-After past the timer limit (2^31−1 ms) or in 2100 to the cap', () => {
    expect(retryDelay(asked('3000000'), 1, 1000, 60_000)).toBe(60_000)
    expect(retryDelay(asked('Fri, 01 Jan 2100 00:00:00 GMT'), 1, 1000, 60_000)).toBe(60_000)
  })

  it('waits the minimum back-off, not 0, for Retry-After 0 or a date in the past', () => {
    expect(retryDelay(asked('0'), 1, 1000, 60_000)).toBe(1000)
    expect(retryDelay(asked('Wed, 02 Dec 2026 09:00:00 GMT'), 1, 1000, 60_000)).toBe(1000)
  })

  it('backs off with jitter when the collector asked nothing', () => {
    expect(retryDelay(undefined, 3, 1000, 60_000, () => 0.5)).toBe(2000)
  })
})
