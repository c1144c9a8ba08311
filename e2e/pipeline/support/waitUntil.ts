// Polls a condition with a deadline: the pipeline specs never sleep a fixed time.
import { setTimeout as delay } from 'node:timers/promises'

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** Give up after this many ms. */
  timeout: number
  /** Ms between two checks. @default 200 */
  interval?: number
  /** What is awaited, for the error message. */
  what: string
}

/**
 * Resolves with the first truthy value `check` returns (a throw counts as not yet), or rejects
 * after `timeout` ms with the last error or value seen.
 */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  { timeout, interval = 200, what }: WaitOptions,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as NonNullable<T>
      last = value
    } catch (error) {
      last = error
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last)
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${seen})`)
    }
    await delay(interval)
  }
}
