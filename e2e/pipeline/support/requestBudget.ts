// How many requests one sending tab may make while the collector fails, by the SDK's own retry
// policy (packages/core/src/retryPolicy.ts, imported, not restated): the "no storm" bound of
// scenario 2.
import { backoffDelay, retryDelay } from '../../../packages/core/src/retryPolicy'

/** The SDK's first back-off bound (delivery.ts FIRST_RETRY_MS) and default cap. */
export const FIRST_RETRY_MS = 1000
export const MAX_RETRY_DELAY_MS = 60_000

/**
 * Attempts one tab makes in `windowMs` of network errors (full-jitter exponential back-off):
 * the largest count over `runs` simulated outages with the real `backoffDelay`, plus the
 * attempt that may already be under way when the window opens. With full jitter any count is
 * possible in theory; over 20,000 runs the largest seen is a bound a real tab exceeds with a
 * probability below 1/20,000.
 */
export function attemptsDuringErrors(windowMs: number, runs = 20_000): number {
  let most = 0
  for (let run = 0; run < runs; run++) {
    let t = 0
    let attempts = 0
    while (t < windowMs) {
      attempts++
      t += backoffDelay(attempts, FIRST_RETRY_MS, MAX_RETRY_DELAY_MS)
    }
    most = Math.max(most, attempts)
  }
  return most + 1
}

/**
 * Attempts one tab makes in `windowMs` of answers with `Retry-After: seconds` (429/503): each
 * wait is exactly what was asked (within [1 s, cap]), so at most one per wait, plus the one
 * under way when the window opens.
 */
export function attemptsDuringRetryAfter(windowMs: number, seconds: number): number {
  const wait = retryDelay(seconds * 1000, 1, FIRST_RETRY_MS, MAX_RETRY_DELAY_MS)
  return Math.ceil(windowMs / wait) + 1
}
