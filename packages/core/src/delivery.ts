import type { EventQueue, QueuedEvent } from './eventQueue'
import type { ResolvedOptions } from './options'
import type { Reporter } from './reporter'
import { backoffDelay, parseRetryAfter } from './retryPolicy'
import { computeSign, createSigner } from './signer'
import type { SendResult } from './transport'
import { createOffThreadPost } from './offThreadPost'
import { BEACON_BUDGET, sendOnExit } from './transport'
import type { Signature } from './types'
import { utf8Length } from './utf8Length'

/** The part of a `/api/v1/track/debug` answer that debug mode reads. */
interface DebugAnswer {
  debug_info?: {
    validation_results?: { event_index: number; valid: boolean; errors: unknown[] }[]
  }
}

/** Room kept in a body for the envelope around the events. */
export const ENVELOPE_RESERVE = 512
/**
 * A signature is reused for requests while younger than this, and for beacons while younger
 * than four times this (the collector accepts ±5 min): one md5 or one call of the app's `sign`
 * callback a minute instead of one per request.
 */
const SIGNATURE_REUSE_MS = 60_000
const FIRST_RETRY_MS = 1000

/**
 * Sends the queue: batching triggers, signing, the outcome of each request (§五 codes),
 * backoff, offline pause, and the page-exit beacon. Only the sending tab (`lead()`) sends.
 */
export function createDelivery(
  queue: EventQueue,
  settings: ResolvedOptions,
  url: string,
  meta: { sdk_version: string; app_version?: string },
  reporter: Reporter,
  random: () => number = Math.random,
) {
  const { appId, sign } = settings
  const secret = sign ? undefined : (settings.secret ?? '')
  const signer = createSigner(appId, secret, sign)
  const post = createOffThreadPost()
  const inFlight = new Set<string>()
  let leader = false
  let stopped = false
  let attempt = 0
  let retryAt = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerAt = Infinity
  let pumping: Promise<void> | undefined
  let lastSignature: Signature | undefined
  /** What the current page exit already handed to beacons, and the budget left for it. */
  const beaconed = new Set<string>()
  let exitBudget = BEACON_BUDGET

  /** A fresh enough signature, made anew at most once a minute. */
  const freshSignature = async (): Promise<Signature> =>
    lastSignature && Date.now() - lastSignature.timestamp < SIGNATURE_REUSE_MS
      ? lastSignature
      : (lastSignature = await signer(Date.now()))

  const offline = () => typeof navigator !== 'undefined' && navigator.onLine === false

  /** Runs `pump` after `delay` ms unless an earlier run is already due. */
  const arm = (delay: number): void => {
    const at = Date.now() + delay
    if (stopped || at >= timerAt) return
    clearTimeout(timer)
    timerAt = at
    timer = setTimeout(() => {
      timerAt = Infinity
      void pump()
    }, delay)
  }

  const envelope = (signature: Signature, events: QueuedEvent[]): string =>
    JSON.stringify({ ...signature, ...meta, events: [] }).slice(0, -2) +
    events.map((e) => e.json).join(',') +
    ']}'

  /** Debug mode: one console line per event with the collector's verdict (§五 debug_info). */
  const logValidation = (batch: QueuedEvent[], body: unknown): void => {
    const results = (body as DebugAnswer | undefined)?.debug_info?.validation_results ?? []
    for (const { event_index, valid, errors } of results) {
      const event = batch[event_index]
      const name = event && (JSON.parse(event.json) as { event_name: string }).event_name
      reporter.debug(`${valid ? 'valid' : 'INVALID'}: ${name} ${event?.id}`, errors)
    }
  }

  const drop = (events: QueuedEvent[], result: SendResult): Promise<unknown> => {
    reporter.error({
      kind: 'rejected',
      status: result.status,
      count: events.length,
      message: `HTTP ${result.status}: ${events.length} event(s) dropped`,
      cause: result.body,
    })
    return queue.remove(new Set(events.map((e) => e.id)))
  }

  /** Sends one batch; resolves `true` to go on with the next, `false` to wait. */
  const send = async (batch: QueuedEvent[]): Promise<boolean> => {
    batch.forEach((e) => inFlight.add(e.id))
    try {
      let result: SendResult
      try {
        const signature = await freshSignature()
        result = await post(url, envelope(signature, batch), settings.compress)
      } catch (cause) {
        if (!(cause instanceof TypeError)) {
          reporter.error({ kind: 'sign', message: 'sign() failed', cause })
        }
        result = { status: 0, retryAfter: null }
      }
      const { status } = result
      if (status >= 200 && status < 300) {
        attempt = 0
        if (settings.debug) logValidation(batch, result.body)
        await queue.remove(new Set(batch.map((e) => e.id)))
        return true
      }
      if (status === 413) {
        // Too large for this collector: halve until it fits; a lone event that is too large is dropped.
        if (batch.length === 1) return drop(batch, result).then(() => true)
        const half = Math.ceil(batch.length / 2)
        return (await send(batch.slice(0, half))) && send(batch.slice(half))
      }
      if (status === 400 || status === 401 || status === 403)
        return drop(batch, result).then(() => true)
      if (status === 0 && offline()) return false // the `online` listener resumes
      attempt++
      const asked =
        status === 429 || status === 503
          ? parseRetryAfter(result.retryAfter, Date.now())
          : undefined
      const wait = asked ?? backoffDelay(attempt, FIRST_RETRY_MS, settings.maxRetryDelay, random)
      retryAt = Date.now() + wait
      arm(wait)
      reporter.debug(`send failed (HTTP ${status}); next attempt in ${wait} ms`)
      return false
    } finally {
      batch.forEach((e) => inFlight.delete(e.id))
    }
  }

  /** Sends everything queued, batch after batch, until empty or told to wait. */
  const run = async (): Promise<void> => {
    try {
      while (leader && !stopped && !offline() && Date.now() >= retryAt) {
        const batch = queue.take(
          settings.maxBatchEvents,
          settings.maxBatchBytes - ENVELOPE_RESERVE,
          inFlight,
          Date.now() - settings.maxEventAge,
        )
        if (!batch.length || !(await send(batch))) break
      }
    } catch (cause) {
      reporter.error({ kind: 'internal', message: 'send failed', cause })
    }
    if (Date.now() < retryAt) arm(retryAt - Date.now())
  }
  // One run at a time; `.finally` clears it only after the assignment (a run that ends
  // synchronously would otherwise leave a settled promise in `pumping` for ever).
  const pump = (): Promise<void> => (pumping ??= run().finally(() => (pumping = undefined)))

  const onOnline = () => {
    attempt = 0
    retryAt = 0
    void pump()
  }
  if (typeof addEventListener === 'function') addEventListener('online', onOnline)

  return {
    /** This tab became the sending tab: load what other tabs and visits left, then send. */
    lead(): Promise<void> {
      leader = true
      return this.reload()
    },

    /** This tab gave the sending-tab lock up (the page is going away or into the bfcache). */
    resign(): void {
      leader = false
    },

    /** Another tab stored events: the sending tab loads them and schedules a send. */
    async reload(): Promise<void> {
      if (!leader) return
      await queue.load(inFlight)
      this.schedule()
    },

    get leader() {
      return leader
    },

    inFlight,

    /** New events were queued: send now if a batch is full, else within `flushInterval`. */
    schedule(): void {
      if (!leader) return
      if (queue.count() - inFlight.size >= settings.batchSize) void pump()
      else if (queue.count() > 0) arm(settings.flushInterval)
    },

    /** Sends everything queued now (unless offline or told to wait by the collector). */
    flush: (): Promise<void> => pump(),

    /**
     * Keeps a fresh signature from the app's `sign` callback, because the page-exit beacon
     * must be signed synchronously.
     */
    prepareExit(): void {
      freshSignature().catch(() => undefined)
    },

    /**
     * The page is going away: hand what is not confirmed to the browser with beacons, each
     * within `maxBatchBytes` and all within the 64 KB keepalive budget. The events stay
     * stored: a beacon is never confirmed, so the next visit sends them again (same event_id).
     */
    exit(): void {
      void queue.flush()
      const now = Date.now()
      // `pagehide` and `visibilitychange` both fire on one exit: one budget, no event twice.
      const signature =
        secret !== undefined
          ? {
              app_id: appId,
              timestamp: now,
              sign: computeSign(appId, now, secret),
            }
          : lastSignature && now - lastSignature.timestamp < 4 * SIGNATURE_REUSE_MS
            ? lastSignature
            : undefined
      if (!signature) return
      const events = queue.pending(inFlight).filter((e) => !beaconed.has(e.id))
      const overhead = utf8Length(envelope(signature, []))
      let i = 0
      while (i < events.length) {
        const limit = Math.min(settings.maxBatchBytes, exitBudget)
        const batch: QueuedEvent[] = []
        let size = overhead
        for (; i < events.length && size + events[i]!.bytes + 1 <= limit; i++) {
          batch.push(events[i]!)
          size += events[i]!.bytes + 1
        }
        if (!batch.length || !sendOnExit(url, envelope(signature, batch))) return
        batch.forEach((e) => beaconed.add(e.id))
        exitBudget -= size
      }
    },

    /** The page is visible again (or restored from the back/forward cache): a new exit budget. */
    resume(): void {
      beaconed.clear()
      exitBudget = BEACON_BUDGET
    },

    stop(): void {
      stopped = true
      post.close()
      clearTimeout(timer)
      if (typeof removeEventListener === 'function') removeEventListener('online', onOnline)
    },
  }
}

/** The delivery type returned by {@link createDelivery}. */
export type Delivery = ReturnType<typeof createDelivery>
