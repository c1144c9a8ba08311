import type { TrackerOptions } from './types'

/** Defaults of every optional {@link TrackerOptions} field; each is also its `@default`. */
export const DEFAULTS = {
  debug: false,
  batchSize: 10,
  flushInterval: 5000,
  maxBatchBytes: 51_200,
  maxBatchEvents: 100,
  maxQueueEvents: 10_000,
  maxQueueBytes: 5_242_880,
  maxEventAge: 604_800_000,
  maxRetryDelay: 60_000,
  requestTimeout: 20_000,
  signTimeout: 10_000,
  sampleRate: 1,
  rateLimitPerSecond: 100,
  rateLimitBurst: 1000,
  debounceMs: 300,
  sessionTimeout: 1_800_000,
  sessionMaxAge: 86_400_000,
  compress: true,
  persist: true,
}

/** Options with every default filled in. */
export type ResolvedOptions = TrackerOptions & typeof DEFAULTS

/** Fills in defaults; an option set to `undefined` (as adapters pass through) keeps its default. */
export function resolveOptions(options: TrackerOptions): ResolvedOptions {
  const resolved: Record<string, unknown> = { ...DEFAULTS }
  for (const [key, value] of Object.entries(options)) if (value !== undefined) resolved[key] = value
  return resolved as unknown as ResolvedOptions
}
