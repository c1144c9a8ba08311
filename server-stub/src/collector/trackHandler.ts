import { performance } from 'node:perf_hooks'
import type { FastifyRequest } from 'fastify'
import type { AppConfig, CollectorLimits } from '../config'
import { clientIp } from '../http/clientIp'
import { minimiseIp, type IpMode } from '../http/minimiseIp'
import { HttpError } from '../http/httpError'
import type { Logger } from '../http/logger'
import type { BatchOutcome, EventBus, RefusedEvent } from '../types'
import type { AccessPolicy } from './accessPolicy'
import { acceptedWindow } from '../eventTimeWindow'
import { acceptEvents, type PlanInForce } from './acceptEvents'
import type { Answer, RequestRecord } from './answer'
import { authenticate } from './authenticate'
import type { CircuitBreaker } from './circuitBreaker'
import type { CollectorMetrics } from './collectorMetrics'
import { parseEnvelope } from './envelope'
import type { LoadGuard } from './loadGuard'
import type { RateLimiter } from './rateLimiter'

/** What the track routes need; assembled once by `createCollector`. */
export interface TrackDeps {
  apps: ReadonlyMap<string, AppConfig>
  limits: CollectorLimits
  trustProxy: number
  /** What an event keeps of the client IP (`TRACKPOINT_IP_MODE`). */
  ipMode: IpMode
  bus: EventBus
  access: AccessPolicy
  limiter: RateLimiter
  guard: LoadGuard
  breaker: CircuitBreaker
  metrics: CollectorMetrics
  logger: Logger
  now: () => number
  /** `Retry-After` seconds when the bus fails. */
  busRetryAfter: number
  /** `Retry-After` seconds when the collector sheds load. */
  overloadRetryAfter: number
  /** The plan in force and the unplanned policy, read once per request. */
  plan: () => PlanInForce
}

/** `sendBeacon` sends text/plain (CORS-safelisted, no preflight); fetch sends JSON. */
const BODY_TYPES = /^(application\/json|text\/plain)\s*(;|$)/i

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)

/** Rejects when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bus did not acknowledge within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * The POST routes of §五: `/api/v1/track`, `/batch` and `/debug`. Cheap refusals come first
 * (`admit`: load shedding, per-IP rate) so that a flood costs little; the body is read within
 * limits (the collector's body parser), then `handle` authenticates it, rate-limits per app,
 * validates event by event, and publishes. The answer is 2xx only once the bus acknowledged
 * every accepted event.
 */
export function createTrackHandler(deps: TrackDeps) {
  const { limits, guard, limiter, metrics } = deps
  const overloaded = (message: string) =>
    new HttpError(503, message, 'overloaded', deps.overloadRetryAfter)

  /** Hands the accepted events to the bus and waits for its acknowledgement. */
  const publish = async (
    app: AppConfig,
    events: Parameters<EventBus['publish']>[0],
  ): Promise<RefusedEvent[]> => {
    if (!guard.hasRoom(app.app_id, events.length)) {
      throw overloaded('the collector has too many events waiting for storage; retry later')
    }
    const wait = deps.breaker.blockedFor()
    if (wait > 0) {
      throw new HttpError(503, 'event storage is unavailable; retry later', 'bus_unavailable', wait)
    }
    const leave = guard.enter(app.app_id, events.length)
    // In flight until the bus settles, even after a timeout: the events may still land.
    let published: Promise<BatchOutcome | void>
    try {
      published = deps.bus.publish(events).finally(leave)
    } catch (error) {
      // A bus that throws instead of rejecting is still a failed publish, not a 500.
      leave()
      published = Promise.reject(error as Error)
    }
    try {
      // Refused rows are the events' fault, not the bus's: the breaker counts a success.
      const outcome = await within(published, limits.publishTimeoutMs)
      deps.breaker.success()
      return outcome?.refused ?? []
    } catch (error) {
      published.catch(() => undefined)
      deps.breaker.failure()
      deps.logger.error({ msg: 'bus publish failed', app_id: app.app_id, error: String(error) })
      throw new HttpError(
        503,
        'event storage did not acknowledge the events; send them again later',
        'bus_unavailable',
        deps.busRetryAfter,
      )
    }
  }

  /**
   * The cheap refusals, before the body is read (a Fastify `onRequest` hook): load shedding,
   * the per-IP rate, the Content-Type. Returns the client's IP for the handler.
   */
  const admit = (request: FastifyRequest): string => {
    if (guard.lagging()) throw overloaded('the collector is overloaded; retry later')
    const ip = clientIp(request.raw, deps.trustProxy)
    const ipRate = limits.ipRequestsPerSecond
    const ipWait = limiter.take(`ip:${ip}`, 1, ipRate, 2 * ipRate)
    if (ipWait) {
      throw new HttpError(429, 'too many requests from this IP address', 'rate_limited_ip', ipWait)
    }
    const type = single(request.headers['content-type'])
    if (type !== undefined && !BODY_TYPES.test(type)) {
      throw new HttpError(
        400,
        `Content-Type ${type} is not supported; send application/json or text/plain`,
        'bad_content_type',
      )
    }
    return ip
  }

  /**
   * Handles a request `admit` let in, whose body the collector's parser has read within the
   * limits and gunzipped (`text`).
   */
  const handle = async (
    request: FastifyRequest,
    text: string,
    ip: string,
    record: RequestRecord,
    debug: boolean,
    started: number,
  ): Promise<Answer> => {
    const envelope = parseEnvelope(text, limits.maxEventsPerRequest)
    record.events = envelope.events.length
    const app = authenticate(envelope, single(request.headers.authorization), deps.apps, deps.now())
    record.app_id = app.app_id
    deps.access.check(app, single(request.headers.origin), ip)
    const rate = app.events_per_second ?? limits.appEventsPerSecond
    const appWait = limiter.take(`app:${app.app_id}`, envelope.events.length, rate, 2 * rate)
    if (appWait) {
      throw new HttpError(
        429,
        `app "${app.app_id}" is over its rate of ${rate} events per second`,
        'rate_limited_app',
        appWait,
      )
    }

    // The full address served the rate limit and the allow-list above; what goes on is minimised.
    const stamp = {
      app_id: app.app_id,
      client_ip: minimiseIp(ip, deps.ipMode),
      received_at: deps.now(),
    }
    const window = acceptedWindow(stamp.received_at, limits)
    const { results, accepted, rejected, unplanned, acceptedIndexes } = acceptEvents(
      envelope,
      stamp,
      window,
      deps.plan(),
    )
    if (debug) {
      // §五.3: validate and report; nothing is published.
      return {
        status: 200,
        body: {
          code: 200,
          message: 'success',
          debug_info: {
            validation_results: results,
            processing_time_ms: Math.round(performance.now() - started),
            would_be_stored: rejected.length === 0,
          },
        },
      }
    }
    // Counted by the first reason, so the per-reason counts add up to the events rejected.
    for (const { errors } of rejected)
      metrics.rejected.inc({ reason: errors[0]?.code ?? 'invalid' })
    record.rejected = rejected.length
    if (!accepted.length) {
      record.reason = 'invalid_events'
      return {
        status: 400,
        body: {
          code: 400,
          message: `none of the ${rejected.length} event(s) is valid; see rejected for the reasons`,
          processed_count: 0,
          rejected,
        },
      }
    }
    const refused = await publish(app, accepted)
    if (refused.length) {
      // Embedded: rows the store refused fail alone, listed like the invalid ones.
      const indexOf = new Map(accepted.map((event, i) => [event, acceptedIndexes[i]!]))
      for (const { event, code, reason } of refused) {
        metrics.rejected.inc({ reason: code })
        rejected.push({
          event_index: indexOf.get(event) ?? -1,
          errors: [{ field: '', code: 'store_refused', message: reason }],
        })
      }
      rejected.sort((a, b) => a.event_index - b.event_index)
      record.rejected = rejected.length
    }
    const stored = accepted.length - refused.length
    record.accepted = stored
    metrics.accepted.inc({ app_id: app.app_id }, stored)
    // Only what was stored is listed and counted as unplanned.
    const notStored = new Set(rejected.map((r) => r.event_index))
    const storedUnplanned = unplanned.filter((u) => !notStored.has(u.event_index))
    for (const { errors } of storedUnplanned) {
      metrics.unplanned.inc({ reason: errors[0]?.code ?? 'unplanned' })
    }
    if (!stored) {
      record.reason = 'refused_events'
      return {
        status: 400,
        body: {
          code: 400,
          message: `none of the ${rejected.length} event(s) could be stored; see rejected for the reasons`,
          processed_count: 0,
          rejected,
        },
      }
    }
    return {
      status: 200,
      body: {
        code: 200,
        message: rejected.length
          ? `accepted ${stored} event(s), rejected ${rejected.length}; see rejected`
          : 'success',
        processed_count: stored,
        ...(rejected.length > 0 && { rejected }),
        ...(storedUnplanned.length > 0 && { unplanned: storedUnplanned }),
      },
    }
  }

  return { admit, handle }
}
