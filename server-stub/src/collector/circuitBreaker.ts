/** Stops calling a failing dependency for a while, so requests fail fast instead of piling up. */
export interface CircuitBreaker {
  /** 0 when a call may go ahead; otherwise the seconds until the next trial call. */
  blockedFor(): number
  success(): void
  failure(): void
  /** Whether the breaker is open now (for metrics). */
  isOpen(): boolean
}

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. @default 3 */
  failures?: number
  /** How long it stays open before one trial call is let through. @default 5000 */
  cooldownMs?: number
  /** The clock, in ms. @default Date.now */
  now?: () => number
}

/**
 * The classic closed → open → half-open breaker (§五.5 熔断). Closed: calls go ahead. After
 * `failures` failures in a row it opens: calls are refused for `cooldownMs`. Then it lets one
 * trial call through (half-open): success closes it, failure opens it again.
 */
export function createCircuitBreaker({
  failures = 3,
  cooldownMs = 5000,
  now = Date.now,
}: CircuitBreakerOptions = {}): CircuitBreaker {
  let failed = 0
  let openUntil = 0
  let trialRunning = false

  return {
    blockedFor() {
      if (failed < failures) return 0
      const wait = openUntil - now()
      if (wait > 0) return Math.ceil(wait / 1000)
      if (trialRunning) return 1
      trialRunning = true
      return 0
    },
    success() {
      failed = 0
      trialRunning = false
    },
    failure() {
      failed++
      trialRunning = false
      if (failed >= failures) openUntil = now() + cooldownMs
    },
    isOpen: () => failed >= failures,
  }
}
