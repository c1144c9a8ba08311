/** Token buckets by key (an app id, a client IP): a steady rate with bursts up to `burst`. */
export interface RateLimiter {
  /**
   * Takes `cost` tokens from `key`'s bucket. Returns 0 when allowed, otherwise the seconds
   * (whole, ≥ 1) after which the same request would be allowed: the `Retry-After` value.
   * A refused request takes nothing.
   */
  take(key: string, cost: number, rate: number, burst: number): number
}

interface Bucket {
  tokens: number
  at: number
}

/**
 * Creates token buckets on the clock `now` (ms). Buckets of idle keys are swept once there are
 * more than `maxKeys`, so spoofed or many client IPs cannot grow memory without bound.
 *
 * @param now - The clock.
 * @param maxKeys - Buckets kept before idle ones are swept.
 * @default maxKeys 100000
 */
export function createRateLimiter(now: () => number, maxKeys = 100_000): RateLimiter {
  const buckets = new Map<string, Bucket>()

  // Seconds since `at`, never negative: the clock is the wall clock, and a step back (NTP, a
  // VM resumed) must not drain every bucket, which refused every request for the whole step.
  const elapsed = (time: number, at: number) => Math.max(0, time - at) / 1000

  const sweep = (time: number, rate: number, burst: number) => {
    for (const [key, bucket] of buckets) {
      // A bucket that has refilled is the same as no bucket.
      if (bucket.tokens + elapsed(time, bucket.at) * rate >= burst) buckets.delete(key)
    }
    // Still too many busy keys: forget the oldest, which lets them burst once more.
    for (const key of buckets.keys()) {
      if (buckets.size <= maxKeys) break
      buckets.delete(key)
    }
  }

  return {
    take(key, cost, rate, burst) {
      const time = now()
      let bucket = buckets.get(key)
      if (!bucket) {
        if (buckets.size >= maxKeys) sweep(time, rate, burst)
        buckets.set(key, (bucket = { tokens: burst, at: time }))
      }
      bucket.tokens = Math.min(burst, bucket.tokens + elapsed(time, bucket.at) * rate)
      bucket.at = time
      // A request larger than the burst could never pass; charge it a full bucket instead.
      const charge = Math.min(cost, burst)
      if (bucket.tokens >= charge) {
        bucket.tokens -= charge
        return 0
      }
      return Math.max(1, Math.ceil((charge - bucket.tokens) / rate))
    },
  }
}
