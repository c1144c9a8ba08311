import type { EventQueue, QueuedEvent } from './eventQueue'
import type { ResolvedOptions } from './options'
import type { Reporter } from './reporter'
import { retryDelay } from './retryPolicy'
import { sendOutcome } from './sendOutcome'
import { learnOffset, readServerTime } from './serverClock'
import { computeSign, createSigner } from './signer'
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
/** A longer timer delay (2^31−1 ms, ~24.8 days) overflows and fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

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
  const signer = createSigner(appId, secret, sign, settings.signTimeout)
  /** Server clock minus device clock (ms), learned from the collector's answers; 0 until then. */
  let offset = 0
  /** The time on the server's clock, as best known. */
  const serverNow = () => Date.now() + offset
  const post = createOffThreadPost()
  const inFlight = new Set<string>()
  /**
   * What the page-exit beacons carried. The normal path skips them for the rest of this page's
   * life (a tab only hidden, or restored from the back/forward cache, does not send them twice);
   * they stay stored, so the next page load — or another tab that takes over sending — sends
   * them again for confirmation, and the collector counts each event_id once.
   */
  const beaconed = new Set<string>()
  const busy = { has: (id: string) => inFlight.has(id) || beaconed.has(id) }
  let leader = false
  let stopped = false
  let attempt = 0
  let retryAt = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerAt = Infinity
  let pumping: Promise<void> | undefined
  let lastSignature: Signature | undefined
  let signing: Promise<Signature> | undefined
  /** What is left of the 64 KB keepalive budget for the current page exit. */
  let exitBudget = BEACON_BUDGET

  /**
   * A fresh enough signature on the server's clock, made anew at most once a minute; callers
   * that ask while one is being made share it (a slow `sign` is called once, not per drain).
   */
  const freshSignature = (): Promise<Signature> => {
    const now = serverNow()
    if (lastSignature && now - lastSignature.timestamp < SIGNATURE_REUSE_MS) {
      return Promise.resolve(lastSignature)
    }
    return (signing ??= signer(now)
      .then((signature) => (lastSignature = signature))
      .finally(() => (signing = undefined)))
  }

  const offline = () => navigator.onLine === false

  /** Runs `pump` after `delay` ms unless an earlier run is already due. */
  const arm = (delay: number): void => {
    delay = Math.min(delay, MAX_TIMER_MS)
    const at = Date.now() + delay
    if (stopped || at >= timerAt) return
    clearTimeout(timer)
    timerAt = at
    timer = setTimeout(() => {
      timerAt = Infinity
      void pump()
    }, delay)
  }

  /**
   * The request body. Each event gets the device clock's measured offset (`clock_offset`, when
   * not 0) so the collector can correct its device timestamp; it is added here, not stored, so
   * events queued before the offset was learned get it too.
   */
  const envelope = (signature: Signature, events: QueuedEvent[]): string => {
    const tail = offset ? `,"clock_offset":${offset}}` : ''
    return (
      JSON.stringify({ ...signature, ...meta, events: [] }).slice(0, -2) +
      events.map((e) => (tail ? e.json.slice(0, -1) + tail : e.json)).join(',') +
      ']}'
    )
  }

  /** Debug mode: one console line per event with the collector's verdict (§五 debug_info). */
  const logValidation = (batch: QueuedEvent[], body: unknown): void => {
    for (const { event_index, valid, errors } of (body as DebugAnswer | undefined)?.debug_info
      ?.validation_results ?? []) {
      const event = batch[event_index]
      const name = event && (JSON.parse(event.json) as { event_name: string }).event_name
      reporter.debug(`${valid ? 'valid' : 'INVALID'}: ${name} ${event?.id}`, errors)
    }
  }

  /**
   * Counts a failed attempt and waits before the next one: what the collector `asked` for, else
   * back-off ({@link retryDelay}). Resolves the send's `false` (stop for now).
   */
  const retryLater = (asked: number | undefined, why: string): false => {
    const ms = retryDelay(asked, ++attempt, FIRST_RETRY_MS, settings.maxRetryDelay, random)
    retryAt = Date.now() + ms
    arm(ms)
    reporter.debug(`${why}; retry in ${ms} ms`)
    return false
  }

  /**
   * Sends one batch; resolves `true` to go on with the next, `false` to wait. `resigned`: this
   * is already the resend after a clock correction — one per batch, so a collector whose clock
   * answers jump about cannot keep it resending at once.
   */
  const send = async (batch: QueuedEvent[], resigned = false): Promise<boolean> => {
    batch.forEach((e) => inFlight.add(e.id))
    try {
      let signature: Signature
      try {
        signature = await freshSignature()
      } catch (cause) {
        // The app's signing failed (its backend down, a bug, a timeout): not a network error.
        reporter.error({ kind: 'sign', count: batch.length, message: 'sign() failed', cause })
        return retryLater(undefined, 'sign() failed')
      }
      // Resigned (opted out, left, or another tab took over) while the app's `sign` ran.
      if (!leader) return false
      const result = await post(
        url,
        envelope(signature, batch),
        settings.compress,
        settings.requestTimeout,
      )
      const known = offset
      offset = learnOffset(offset, readServerTime(result), Date.now())
      const clockCorrected = offset !== known
      if (clockCorrected) {
        lastSignature = undefined
        reporter.debug(`clock off by ${-offset} ms`)
      }
      const outcome = sendOutcome(result, batch.length, clockCorrected && !resigned, Date.now())
      const { status, body } = result
      switch (outcome.action) {
        case 'remove':
          attempt = 0
          if (settings.debug) logValidation(batch, body)
          break
        case 'split': {
          const half = Math.ceil(batch.length / 2)
          return (await send(batch.slice(0, half))) && send(batch.slice(half))
        }
        case 'drop':
          reporter.error({
            kind: 'rejected',
            status,
            count: batch.length,
            message: `HTTP ${status}: ${batch.length} event(s) dropped`,
            cause: body,
          })
          break
        case 'resend':
          return send(batch, true)
        default:
          // Offline: the `online` listener resumes. No longer the sending tab (an opt-out
          // cancelled the send, or the tab resigned): the batch stays queued for whichever tab
          // sends next, with no back-off here for an optIn() or a new lead to wait out.
          return !status && (offline() || !leader)
            ? false
            : retryLater(outcome.asked, `send failed (HTTP ${status})`)
      }
      await queue.remove(new Set(batch.map((e) => e.id)))
      return true
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
          busy,
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
  addEventListener('online', onOnline)

  return {
    /** This tab became the sending tab: load what other tabs and visits left, then send. */
    lead(): Promise<void> {
      leader = true
      return this.reload()
    },

    /**
     * This tab gave the sending-tab lock up (the page is going away or into the bfcache).
     * `cancel` (an opt-out): requests not yet on the wire are cancelled too.
     */
    resign(cancel?: boolean): void {
      leader = false
      if (cancel) post.close()
    },

    /** Another tab stored events: the sending tab loads them and schedules a send. */
    async reload(): Promise<void> {
      if (!leader) return
      try {
        await queue.load(inFlight)
      } catch (cause) {
        reporter.error({ kind: 'storage', message: 'Loading failed', cause })
      }
      this.schedule()
    },

    get leader() {
      return leader
    },

    inFlight,

    /** New events were queued: send now if a batch is full, else within `flushInterval`. */
    schedule(): void {
      if (!leader) return
      if (queue.count() - inFlight.size - beaconed.size >= settings.batchSize) void pump()
      else if (queue.count() > 0) arm(settings.flushInterval)
    },

    /**
     * Sends everything queued now (unless offline or told to wait by the collector); a run
     * already under way may have started before the newest events were stored: wait for it,
     * then run again.
     */
    flush: async (): Promise<void> => {
      await pumping
      await pump()
    },

    /**
     * Keeps a fresh signature from the app's `sign` callback, because the page-exit beacon
     * must be signed synchronously.
     */
    prepareExit(): void {
      freshSignature().catch(() => undefined)
    },

    /**
     * The page is hidden or going away: hand what is not confirmed to the browser with
     * beacons, each within `maxBatchBytes` and all within the 64 KB keepalive budget. The
     * events stay stored (a beacon is never confirmed) but this page sends them no more.
     */
    exit(): void {
      void queue.flush()
      if (offline()) return // a beacon could not leave; the events wait for the `online` event
      const now = serverNow()
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
      const events = queue.pending(busy)
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
      exitBudget = BEACON_BUDGET
    },

    stop(): void {
      stopped = true
      post.close()
      clearTimeout(timer)
      removeEventListener('online', onOnline)
    },
  }
}

/** The delivery type returned by {@link createDelivery}. */
export type Delivery = ReturnType<typeof createDelivery>
