import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Config } from '../config'
import { HttpError } from '../http/httpError'
import { createJsonLogger, type Logger } from '../http/logger'
import { PROMETHEUS_CONTENT_TYPE } from '../http/prometheus'
import { requestTarget } from '../http/requestTarget'
import { sendJson } from '../http/sendJson'
import type { EventBus } from '../types'
import { createAccessPolicy } from './accessPolicy'
import type { Answer, RequestRecord } from './answer'
import { createCircuitBreaker, type CircuitBreakerOptions } from './circuitBreaker'
import { createCollectorMetrics, type CollectorMetrics } from './collectorMetrics'
import { createHealthCheck } from './healthCheck'
import { createLoadGuard } from './loadGuard'
import { createRateLimiter } from './rateLimiter'
import { createTrackHandler } from './trackHandler'

/** The version health reports when the caller does not pass one. */
export const COLLECTOR_VERSION = '0.1.0'

/** Options of {@link createCollector}. */
export interface CollectorOptions {
  /** Apps, limits and proxy trust; see `loadConfig`. */
  config: Pick<Config, 'apps' | 'limits' | 'trustProxy'>
  /** Where accepted events go; the answer is 2xx only after `publish` resolved. */
  bus: EventBus
  /**
   * Whether the store answers now (health's `clickhouse_connected`); leave it out when this
   * process does not use the store (a collector-only process with Kafka).
   */
  storeConnected?: () => Promise<boolean>
  /**
   * The bus stores straight into the store (the embedded bus): health is 503 while the store is
   * down, since nothing can be acknowledged then.
   * @default false
   */
  storeRequired?: boolean
  /** Whether the process is shutting down: health answers 503 `draining`. @default never */
  draining?: () => boolean
  /** More metrics in the text format appended to `/metrics` (the consumer's). @default none */
  extraMetrics?: () => Promise<string>
  /** The clock in ms, for signatures and `received_at`. @default Date.now */
  now?: () => number
  /** Where the one-line-per-request JSON log goes. @default JSON lines on stdout */
  logger?: Logger
  /** Reported by health. @default COLLECTOR_VERSION */
  version?: string
  /** Reads event-loop lag in ms (tests inject one). @default perf_hooks median over ~1 s */
  eventLoopLag?: () => number
  /** When to stop calling a failing bus. @default 3 failures, 5 s cooldown */
  breaker?: CircuitBreakerOptions
  /** `Retry-After` seconds when the bus fails. @default 5 */
  busRetryAfter?: number
  /** `Retry-After` seconds when shedding load. @default 2 */
  overloadRetryAfter?: number
}

/** A collector: a node:http request listener plus its metrics and a `close` for its timers. */
export interface Collector {
  (req: IncomingMessage, res: ServerResponse): void
  /** The metrics `/metrics` renders. */
  metrics: CollectorMetrics
  /** Stops the event-loop monitor. The bus is the caller's to close. */
  close(): void
}

/** The POST routes of §五, and whether each is the debug route (validate, never publish). */
const TRACK_ROUTES: ReadonlyMap<string, boolean> = new Map([
  ['/api/v1/track', false],
  ['/api/v1/track/batch', false],
  ['/api/v1/track/debug', true],
])
const HEALTH_ROUTE = '/api/v1/track/health'
const METRICS_ROUTE = '/metrics'

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)

/** `req_` and 16 hex digits, like §五's example `req_xyz789012345`. */
const newRequestId = () => `req_${randomBytes(8).toString('hex')}`

/**
 * Creates the collector of §五 as a node:http request listener:
 * `POST /api/v1/track`, `/api/v1/track/batch`, `/api/v1/track/debug`,
 * `GET /api/v1/track/health`, `GET /metrics`, and CORS preflights.
 *
 * Every answer carries `X-Request-Id` (also `request_id` in JSON bodies) and is logged as one
 * JSON line. Refusals are JSON `{code, message, request_id}` with the status of §五 (400, 401,
 * 413, 429, 500) or 503 when storage cannot take events; 429 and 503 carry `Retry-After`.
 *
 * @example
 * ```ts
 * const collector = createCollector({ config: loadConfig(), bus, storeConnected })
 * http.createServer(collector).listen(8080)
 * ```
 */
export function createCollector(options: CollectorOptions): Collector {
  const { config, bus } = options
  const now = options.now ?? Date.now
  const logger = options.logger ?? createJsonLogger()
  const access = createAccessPolicy(config.apps)
  const guard = createLoadGuard({
    maxInflightEvents: config.limits.maxInflightEvents,
    maxEventLoopLagMs: config.limits.maxEventLoopLagMs,
    ...(options.eventLoopLag && { eventLoopLag: options.eventLoopLag }),
  })
  const breaker = createCircuitBreaker({ now, ...options.breaker })
  const metrics = createCollectorMetrics({
    inflightEvents: guard.inflight,
    eventLoopLagSeconds: () => guard.lagMs() / 1000,
    breakerOpen: breaker.isOpen,
  })
  const track = createTrackHandler({
    apps: new Map(config.apps.map((app) => [app.app_id, app])),
    limits: config.limits,
    trustProxy: config.trustProxy,
    bus,
    access,
    limiter: createRateLimiter(now),
    guard,
    breaker,
    metrics,
    logger,
    now,
    busRetryAfter: options.busRetryAfter ?? 5,
    overloadRetryAfter: options.overloadRetryAfter ?? 2,
  })
  const health = createHealthCheck({
    bus,
    ...(options.storeConnected && { storeConnected: options.storeConnected }),
    storeRequired: options.storeRequired ?? false,
    draining: options.draining ?? (() => false),
    breakerOpen: breaker.isOpen,
    version: options.version ?? COLLECTOR_VERSION,
    startedAt: now(),
    now,
  })

  /** Picks the route; `record.route` stays `other` for paths that are not ours. */
  const route = async (
    req: IncomingMessage,
    path: string,
    record: RequestRecord,
  ): Promise<Answer> => {
    const method = req.method ?? 'GET'
    const debug = TRACK_ROUTES.get(path)
    const known = debug !== undefined || path === HEALTH_ROUTE || path === METRICS_ROUTE
    if (known) record.route = path
    if (method === 'OPTIONS') return { status: 204, body: {} }
    if (debug !== undefined && method === 'POST') return track(req, record, debug)
    if (path === HEALTH_ROUTE && method === 'GET') return health()
    if (path === METRICS_ROUTE && method === 'GET') {
      const content = metrics.registry.render() + ((await options.extraMetrics?.()) ?? '')
      return { status: 200, body: {}, text: { contentType: PROMETHEUS_CONTENT_TYPE, content } }
    }
    if (known) {
      const allow = debug !== undefined ? 'POST, OPTIONS' : 'GET'
      record.reason = 'bad_method'
      return {
        status: 405,
        body: { code: 405, message: `use ${allow} on ${path}` },
        headers: { Allow: allow },
      }
    }
    throw new HttpError(
      404,
      `no route ${method} ${path}; see §五 for the collector API`,
      'no_route',
    )
  }

  /** Turns what the route threw into an answer; anything but an HttpError is a 500. */
  const failure = (error: unknown, record: RequestRecord): Answer => {
    if (!(error instanceof HttpError)) {
      record.reason = 'internal'
      logger.error({
        msg: 'internal error',
        request_id: record.request_id,
        route: record.route,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      })
      return { status: 500, body: { code: 500, message: 'internal error; retry later' } }
    }
    record.reason = error.reason
    // Every event of a request refused as a whole is counted, by the reason it was refused.
    const refused = record.events - record.rejected - record.accepted
    if (refused > 0) metrics.rejected.inc({ reason: error.reason }, refused)
    record.rejected = record.events - record.accepted
    const headers: Record<string, string> = {}
    if (error.retryAfter !== undefined) headers['Retry-After'] = String(error.retryAfter)
    return {
      status: error.status,
      body: { code: error.status, message: error.message, ...error.details },
      headers,
    }
  }

  const write = (res: ServerResponse, answer: Answer, headers: Record<string, string>) => {
    if (answer.text) {
      res.writeHead(answer.status, { ...headers, 'Content-Type': answer.text.contentType })
      res.end(answer.text.content)
    } else if (answer.status === 204) {
      res.writeHead(204, headers).end()
    } else if ('code' in answer.body) {
      // §五 order: code, message, request_id, then the rest.
      const { code, message, ...rest } = answer.body
      const body = { code, message, request_id: headers['X-Request-Id'], ...rest }
      sendJson(res, answer.status, body, headers)
    } else {
      sendJson(res, answer.status, answer.body, headers)
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now()
    const record: RequestRecord = {
      request_id: newRequestId(),
      method: req.method ?? 'GET',
      route: 'other',
      events: 0,
      accepted: 0,
      rejected: 0,
    }
    const origin = single(req.headers.origin)
    let answer: Answer
    try {
      const path = requestTarget(req.url).pathname.replace(/(.)\/$/, '$1')
      answer = await route(req, path, record)
    } catch (error) {
      answer = failure(error, record)
      // A body left unread would stall a keep-alive connection; discard it.
      if (!req.readableEnded) req.resume()
    }
    const cors =
      req.method === 'OPTIONS' ? access.preflightHeaders(origin) : access.corsHeaders(origin)
    write(res, answer, { ...cors, ...answer.headers, 'X-Request-Id': record.request_id })
    const seconds = (performance.now() - started) / 1000
    metrics.requests.inc({ route: record.route, status: String(answer.status) })
    metrics.latency.observe({ route: record.route }, seconds)
    logger.info({
      msg: 'request',
      request_id: record.request_id,
      method: record.method,
      route: record.route,
      status: answer.status,
      ms: Math.round(seconds * 1e4) / 10,
      app_id: record.app_id,
      accepted: record.accepted,
      rejected: record.rejected,
      ...(record.reason && { reason: record.reason }),
    })
  }

  const collector = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      // Only writing the answer can fail here (the client went away); never crash the server.
      logger.error({ msg: 'answer failed', error: String(error) })
      if (!res.headersSent) sendJson(res, 500, { code: 500, message: 'internal error' })
      else res.destroy()
    })
  }
  return Object.assign(collector, { metrics, close: guard.close })
}
