import { performance } from 'node:perf_hooks'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config'
import { asHttpError, methodNotAllowed } from '../http/createHttpServer'
import { HttpError } from '../http/httpError'
import { createJsonLogger, type Logger } from '../http/logger'
import { decodeBody, readRawBody } from '../http/readBody'
import type { EventBus } from '../types'
import { createAccessPolicy } from './accessPolicy'
import type { Answer, RequestRecord } from './answer'
import { createCircuitBreaker, type CircuitBreakerOptions } from './circuitBreaker'
import type { Registry } from 'prom-client'
import { COLLECTOR_ROUTES } from './collectorSchemas'
import { createCollectorMetrics, type CollectorMetrics } from './collectorMetrics'
import { createHealthCheck } from './healthCheck'
import { createLoadGuard } from './loadGuard'
import { createRateLimiter } from './rateLimiter'
import { createTrackHandler } from './trackHandler'
import { BUILT_IN_PLAN, type InstalledPlan } from '../plan/installedPlan'
import type { UnplannedPolicy } from '../plan/planPolicy'

/** The version health reports when the caller does not pass one. */
export const COLLECTOR_VERSION = '0.1.0'

/** Options of {@link createCollector}. */
export interface CollectorOptions {
  /** Apps, limits and proxy trust; see `loadConfig`. */
  config: Pick<Config, 'apps' | 'limits' | 'trustProxy' | 'ipMode'>
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
  /**
   * The registry of the collector's metrics, shared with the other roles of the process; its
   * metrics are all rendered at `/metrics`.
   * @default a new one with prom-client's default process metrics
   */
  registry?: Registry
  /** Runs before each `/metrics` render (the consumer refreshes its lag). @default none */
  beforeScrape?: () => Promise<void>
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
  /**
   * The tracking plan in force, read once per request (it changes when a new version is
   * installed). @default the built-in plan
   */
  plan?: () => InstalledPlan
  /**
   * What to do with events the plan does not cover (`TRACKPOINT_UNPLANNED`), or a function read
   * once per request.
   * @default 'flag'
   */
  unplanned?: UnplannedPolicy | (() => UnplannedPolicy)
}

/** A collector: its routes as a Fastify plugin, its metrics, and a `close` for its timers. */
export interface Collector {
  /** Registers the routes on a server from `createHttpServer`. */
  routes: FastifyPluginAsync
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

/** What the collector keeps about a request between Fastify's steps. */
interface RequestState {
  record: RequestRecord
  started: number
  /** The client's IP, once `admit` let the request in. */
  ip?: string
}

const STATE = Symbol('trackpointCollector')
type WithState = FastifyRequest & { [STATE]?: RequestState }

/**
 * Creates the collector of §五 as a Fastify plugin:
 * `POST /api/v1/track`, `/api/v1/track/batch`, `/api/v1/track/debug`,
 * `GET /api/v1/track/health`, `GET /metrics`, and CORS preflights; any other path gets the
 * collector's 404.
 *
 * Every answer carries `X-Request-Id` (also `request_id` in JSON bodies) and is logged as one
 * JSON line. Refusals are JSON `{code, message, request_id}` with the status of §五 (400, 401,
 * 413, 429, 500) or 503 when storage cannot take events; 429 and 503 carry `Retry-After`.
 * Its body parser reads bodies within the limits (a body over them is read to its end, so the
 * 413 reaches the client) and gunzips them; the handler parses the JSON once.
 *
 * @example
 * ```ts
 * const collector = createCollector({ config: loadConfig(), bus, storeConnected })
 * const app = createHttpServer({ logger })
 * await app.register(collector.routes)
 * await listenHttp(app, { port: 8080 })
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
  const metrics = createCollectorMetrics(
    {
      inflightEvents: guard.inflight,
      eventLoopLagSeconds: () => guard.lagMs() / 1000,
      breakerOpen: breaker.isOpen,
    },
    options.registry,
  )
  const track = createTrackHandler({
    apps: new Map(config.apps.map((app) => [app.app_id, app])),
    limits: config.limits,
    trustProxy: config.trustProxy,
    ipMode: config.ipMode ?? 'truncated',
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
    plan: () => ({
      plan: options.plan?.() ?? BUILT_IN_PLAN,
      policy:
        typeof options.unplanned === 'function'
          ? options.unplanned()
          : (options.unplanned ?? 'flag'),
    }),
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

  const stateOf = (request: WithState): RequestState =>
    (request[STATE] ??= {
      record: {
        request_id: request.id,
        method: request.method,
        route: 'other',
        events: 0,
        accepted: 0,
        rejected: 0,
      },
      started: performance.now(),
    })

  /** Turns what a step threw into an answer; anything but an HttpError is a 500. */
  const failure = (thrown: unknown, record: RequestRecord): Answer => {
    const error = asHttpError(thrown)
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
    const headers: Record<string, string> = { ...error.headers }
    if (error.retryAfter !== undefined) headers['Retry-After'] = String(error.retryAfter)
    return {
      status: error.status,
      body: { code: error.status, message: error.message, ...error.details },
      headers,
    }
  }

  /** Sends the answer with CORS and `X-Request-Id`, then counts and logs the request. */
  const write = (request: WithState, reply: FastifyReply, answer: Answer) => {
    const { record, started } = stateOf(request)
    const origin = single(request.headers.origin)
    const cors =
      request.method === 'OPTIONS' ? access.preflightHeaders(origin) : access.corsHeaders(origin)
    reply.code(answer.status).headers({ ...cors, ...answer.headers, 'X-Request-Id': request.id })
    if (answer.text) {
      reply.header('Content-Type', answer.text.contentType).send(answer.text.content)
    } else if (answer.status === 204) {
      reply.send()
    } else {
      // §五 order: code, message, request_id, then the rest.
      const { code, message, ...rest } = answer.body
      const body = 'code' in answer.body ? { code, message, request_id: request.id, ...rest } : rest
      reply
        .header('Content-Type', 'application/json; charset=utf-8')
        .header('Cache-Control', 'no-store')
        .send(JSON.stringify(body))
    }
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

  const renderMetrics = async (): Promise<Answer> => {
    await options.beforeScrape?.()
    const registry = metrics.registry
    return {
      status: 200,
      body: {},
      text: { contentType: registry.contentType, content: await registry.metrics() },
    }
  }

  const routes: FastifyPluginAsync = async (app) => {
    // The collector reads bodies itself, whatever their Content-Type (admit() refuses the types
    // it does not take before the body is read): within the wire limit, read to the end when
    // over it, then gunzipped within the inflated limit. The JSON is parsed once, by the route.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', async (request: FastifyRequest) => {
      const raw = await readRawBody(request.raw, config.limits.maxBodyBytes)
      return decodeBody(raw, single(request.headers['content-encoding']), config.limits)
    })
    app.setErrorHandler(async (error, request, reply) => {
      const { record } = stateOf(request)
      write(request, reply, failure(error, record))
    })

    /**
     * A route of the collector that answers every method: 204 to OPTIONS (CORS preflight), 405
     * with `Allow` to those it does not take, before the body is read.
     */
    const route = (
      path: string,
      methods: readonly string[],
      answer: (request: WithState, state: RequestState) => Promise<Answer>,
      admit?: (request: WithState, state: RequestState) => void,
    ) => {
      const openapi = COLLECTOR_ROUTES.filter((schema) => schema.path === path)
      const allow = [...methods, ...(admit ? ['OPTIONS'] : [])].join(', ')
      app.route({
        method: app.supportedMethods,
        url: path,
        // Health and metrics answer under load (@fastify/under-pressure lets them through):
        // they are how an operator sees it.
        config: admit ? { openapi } : { openapi, pressureHandler: () => undefined },
        // A callback hook, not an async one: it runs on every request of the hot route.
        onRequest: (request: WithState, _reply, done) => {
          const state = stateOf(request)
          state.record.route = path
          if (request.method === 'OPTIONS') return done()
          if (!methods.includes(request.method)) return done(methodNotAllowed(path, allow))
          try {
            // Cheap refusals first, before the body is read.
            admit?.(request, state)
          } catch (error) {
            return done(error as Error)
          }
          done()
        },
        handler: async (request: WithState, reply) => {
          const state = stateOf(request)
          const answered =
            request.method === 'OPTIONS' ? { status: 204, body: {} } : await answer(request, state)
          write(request, reply, answered)
        },
      })
    }

    for (const [path, debug] of TRACK_ROUTES) {
      route(
        path,
        ['POST'],
        (request, state) =>
          track.handle(
            request,
            typeof request.body === 'string' ? request.body : '',
            state.ip ?? '',
            state.record,
            debug,
            state.started,
          ),
        (request, state) => (state.ip = track.admit(request)),
      )
    }
    route(HEALTH_ROUTE, ['GET'], () => health())
    route(METRICS_ROUTE, ['GET'], () => renderMetrics())
    // Paths that are not the collector's: its 404 (and CORS preflights, answered anywhere).
    app.route({
      method: app.supportedMethods,
      url: '/*',
      handler: async (request: WithState, reply) => {
        const method = request.method
        if (method !== 'OPTIONS') {
          const path = request.url.split('?')[0]
          throw new HttpError(
            404,
            `no route ${method} ${path}; see §五 for the collector API`,
            'no_route',
          )
        }
        write(request, reply, { status: 204, body: {} })
      },
    })
  }

  return { routes, metrics, close: guard.close }
}
