import type { Logger } from '../http/logger'
import type { RejectionLog } from './rejectionLog'

/**
 * Refusals of a scaled deployment (docs/decisions.md): each collector process publishes its
 * refusals per minute and reason as tallies, the consumer stores them, and the stats role reads
 * them back. A tally is cumulative — the count so far in its minute — so the newest of a minute
 * supersedes the older ones, and a tally sent twice or replayed changes nothing.
 */

/** One collector process's refusals of one minute so far. */
export interface RefusalTally {
  /** The collector process: random per start, so that two processes' counts add up. */
  instance: string
  /** The minute's start, ms since the epoch. */
  minute: number
  /** Events refused in the minute so far, by reason. */
  rejected: Record<string, number>
}

/** Where a collector's tallies go (the Kafka topic `tracking_refusals`). */
export interface RefusalTallySink {
  /** Resolves once the tallies are stored by the transport; rejects otherwise. */
  send(tallies: RefusalTally[]): Promise<void>
  /** Releases the transport; never rejects. */
  close(): Promise<void>
}

const MINUTE_MS = 60_000
const MAX_TEXT = 200

/**
 * The tally in a message's parsed value, or `undefined` when it is not one (a reason may be
 * any label the collector's counter has; counts are whole and not negative).
 */
export function parseRefusalTally(value: unknown): RefusalTally | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { instance, minute, rejected } = value as Record<string, unknown>
  if (typeof instance !== 'string' || !instance || instance.length > MAX_TEXT) return undefined
  if (!Number.isSafeInteger(minute) || (minute as number) % MINUTE_MS !== 0) return undefined
  if (typeof rejected !== 'object' || rejected === null || Array.isArray(rejected)) return undefined
  const counts: Record<string, number> = {}
  for (const [reason, count] of Object.entries(rejected)) {
    if (!reason || reason.length > MAX_TEXT) return undefined
    if (!Number.isSafeInteger(count) || (count as number) < 0) return undefined
    counts[reason] = count as number
  }
  return { instance, minute: minute as number, rejected: counts }
}

/** Options of {@link createRefusalPublisher}. */
export interface RefusalPublisherOptions {
  /** This process's refusals per minute (the collector's counter, sampled). */
  log: RejectionLog
  sink: RefusalTallySink
  /** This process's instance id. */
  instance: string
  logger: Logger
  /** How often tallies are published. @default 5000 */
  intervalMs?: number
  /** The longest the last publish at close may take (a broker away must not hold a stop). @default 3000 */
  closeTimeoutMs?: number
}

/** A running publisher of refusal tallies. */
export interface RefusalPublisher {
  /** Samples and publishes the minutes whose counts changed since the last acknowledged publish. */
  publish(): Promise<void>
  /** Stops the timer, publishes once more (bounded by `closeTimeoutMs`) and closes the sink. */
  close(): Promise<void>
}

/**
 * Publishes this collector's refusal tallies every `intervalMs` (unref'd timer) and at close:
 * each minute of the log whose counts changed since the broker last acknowledged it. Never
 * rejects and never touches event intake: a failed publish is logged (once per failing spell)
 * and the same minutes go again next period. What waits is bounded by the log itself (an hour
 * of minutes); a broker away for longer loses the oldest tallies, which the view no longer shows.
 */
export function createRefusalPublisher(options: RefusalPublisherOptions): RefusalPublisher {
  const { log, sink, instance, logger } = options
  /** Per minute, the counts the sink last acknowledged (as JSON), to send only what changed. */
  const acknowledged = new Map<number, string>()
  let failing = false
  let running: Promise<void> | undefined

  const publishOnce = async () => {
    await log.sample()
    const buckets = log.since(0)
    const kept = new Set(buckets.map((bucket) => bucket.start))
    for (const minute of acknowledged.keys()) if (!kept.has(minute)) acknowledged.delete(minute)
    const changed = buckets.filter(
      (bucket) => acknowledged.get(bucket.start) !== JSON.stringify(bucket.rejected),
    )
    if (!changed.length) return
    await sink.send(changed.map(({ start, rejected }) => ({ instance, minute: start, rejected })))
    for (const bucket of changed) acknowledged.set(bucket.start, JSON.stringify(bucket.rejected))
  }
  const publish = () => {
    // One publish at a time: a slow broker makes the next periods wait, not pile up.
    running ??= publishOnce()
      .then(
        () => {
          if (failing) logger.info({ msg: 'refusal tallies published again' })
          failing = false
        },
        (error: unknown) => {
          if (!failing)
            logger.error({ msg: 'refusal tallies not published; retrying', error: String(error) })
          failing = true
        },
      )
      .finally(() => (running = undefined))
    return running
  }
  const timer = setInterval(() => void publish(), options.intervalMs ?? 5000)
  timer.unref()
  let closing: Promise<void> | undefined
  return {
    publish,
    close() {
      closing ??= (async () => {
        clearInterval(timer)
        // The publish in flight, then a last one, together within the bound: past it the
        // tallies are given up (a broker away), and the sink closes under them.
        const limit = options.closeTimeoutMs ?? 3000
        let expire: NodeJS.Timeout | undefined
        await Promise.race([
          (async () => {
            await running
            await publish()
          })(),
          new Promise<void>((resolve) => (expire = setTimeout(resolve, limit))),
        ])
        clearTimeout(expire)
        await sink.close()
      })()
      return closing
    },
  }
}
