import type { Registry } from 'prom-client'

/**
 * The collector's refusals by reason per minute over the last hour, for the health view, kept
 * by sampling the collector's own counter (`trackpoint_collector_events_rejected_total`) of this
 * process: the counter is what the collector already increments for every refused event, so
 * nothing on the request path changes and the two can never disagree. Refused events reach no
 * bus and no store, so a process without a collector has no such log (docs/stats-api.md).
 */

/** One minute of refusals. */
export interface RejectionBucket {
  /** The minute's start, ms since the epoch. */
  start: number
  /** Events refused in the minute, by reason. */
  rejected: Record<string, number>
}

/** A log of refusals per minute. */
export interface RejectionLog {
  /** The minutes since `since` (ms) with at least one refusal, oldest first; samples first. */
  since(since: number): RejectionBucket[]
  /** Reads the counter now (also done every `intervalMs`). */
  sample(): Promise<void>
  /** Stops sampling. */
  stop(): void
}

/**
 * Where the health view reads refusals: this process's collector (`this_process`) or the
 * tallies every collector of the deployment published and the consumer stored (`store`).
 */
export interface RefusalSource {
  source: 'this_process' | 'store'
  /** The minutes since `since` (ms) with at least one refusal, oldest first. */
  since(since: number): Promise<RejectionBucket[]>
}

/** The refusals of this process's collector: `log`, sampled when read. */
export function localRefusals(log: RejectionLog): RefusalSource {
  return {
    source: 'this_process',
    async since(since) {
      await log.sample()
      return log.since(since)
    },
  }
}

/** The name of the collector's counter of refused events. */
export const REJECTED_METRIC = 'trackpoint_collector_events_rejected_total'

const MINUTE_MS = 60_000
const KEEP_MS = 61 * MINUTE_MS

/**
 * Samples `registry`'s refused-events counter every `intervalMs` (unref'd timer) and records
 * the increase since the last sample in the current minute.
 *
 * @param registry - The process's metrics registry, where the collector's counter is.
 * @param intervalMs - How often to sample. @default 5000
 * @param now - The clock. @default Date.now
 */
export function createRejectionLog(
  registry: Registry,
  intervalMs = 5000,
  now: () => number = Date.now,
): RejectionLog {
  const buckets = new Map<number, Record<string, number>>()
  let last = new Map<string, number>()
  let reading: Promise<void> | undefined
  const read = async () => {
    const metric = registry.getSingleMetric(REJECTED_METRIC)
    if (!metric) return
    const values = (await metric.get()).values
    const current = new Map<string, number>()
    for (const value of values) {
      current.set(String(value.labels.reason ?? 'unknown'), value.value)
    }
    const minute = Math.floor(now() / MINUTE_MS) * MINUTE_MS
    for (const [reason, total] of current) {
      const added = total - (last.get(reason) ?? 0)
      if (added <= 0) continue
      const bucket = buckets.get(minute) ?? {}
      bucket[reason] = (bucket[reason] ?? 0) + added
      buckets.set(minute, bucket)
    }
    last = current
    for (const start of buckets.keys()) if (start < now() - KEEP_MS) buckets.delete(start)
  }
  const sample = () => {
    // One read at a time: two overlapping reads would both count the same increase.
    reading ??= read().finally(() => (reading = undefined))
    return reading
  }
  // The baseline: refusals before the log existed are not this hour's.
  void sample().catch(() => undefined)
  const timer = setInterval(() => void sample().catch(() => undefined), intervalMs)
  timer.unref()
  return {
    since(since) {
      return [...buckets]
        .filter(([start]) => start + MINUTE_MS > since)
        .sort(([a], [b]) => a - b)
        .map(([start, rejected]) => ({ start, rejected: { ...rejected } }))
    },
    sample,
    stop: () => clearInterval(timer),
  }
}
