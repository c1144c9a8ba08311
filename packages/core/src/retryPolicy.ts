/**
 * How long to wait before the next attempt after a failed send: exponential backoff with
 * "full jitter" (a uniformly random wait between 0 and the exponential bound), so that many
 * clients that failed together do not retry together.
 * See https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 *
 * @param attempt - failed attempts so far, starting at 1
 * @param baseMs - the bound of the first wait
 * @param capMs - the largest wait
 * @param random - a source of numbers in [0, 1); injected so tests are deterministic
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const bound = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * bound)
}

/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): either delay-seconds or an HTTP date.
 * Returns the wait in ms, or `undefined` when the header is missing or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // HTTP dates (IMF-fixdate, RFC 850, asctime) start with a weekday and carry hh:mm:ss.
  // Anything else ("-1", "1.5", "later 2") is malformed, though Date.parse would read a year.
  const date = /^[a-z]{3,9},? .*\d\d:\d\d:\d\d/i.test(trimmed) ? Date.parse(trimmed) : NaN
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * The wait before the next attempt: what the collector asked for (`Retry-After`, in ms) when it
 * did, else {@link backoffDelay}. Never longer than `capMs` — a `Retry-After` of days (or past
 * the 2^31−1 ms a timer can hold, which fires at once) waits `capMs` —, and an ask of 0 or a
 * past date waits `baseMs`, not 0.
 */
export function retryDelay(
  asked: number | undefined,
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  if (asked === undefined) return backoffDelay(attempt, baseMs, capMs, random)
  return Math.min(capMs, Math.max(baseMs, asked))
}
