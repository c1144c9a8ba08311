import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { methodNotAllowed, sendError, sendJson } from '../http/createHttpServer'
import { HttpError } from '../http/httpError'
import type { Logger } from '../http/logger'
import { readRawBody } from '../http/readBody'
import type { PlanStore } from '../plan/planStore'
import type { EventStore } from '../types'
import { actionList } from './actionList'
import { deliveryList } from './deliveryList'
import { MutationStillRunning } from '../store/waitedMutation'
import { eraseUser } from './eraseUser'
import { readCursor } from './liveCursor'
import { liveEvents } from './liveEvents'
import {
  issuePartnerToken,
  listPartnerTokens,
  partnerScope,
  revokePartnerToken,
  type PartnerScope,
} from './partnerTokens'
import { actionStats, deliveryStats, overview, setTargetUsers } from './queries'
import type { RefusalSource } from './rejectionLog'
import { isDay, isTimeZone, type StatsRange } from './statsRange'
import { readFilters } from './statsFilters'
import { STATS_ROUTES } from './statsSchemas'
import { sourcesStats } from './sourcesStats'
import { trackingHealth, type ConsumerLag } from './trackingHealth'
import { DEFAULT_PATHS_DEPTH, userPaths } from './userPaths'

/** Options of {@link statsRoutes}. */
export interface StatsRoutesOptions {
  store: EventStore
  /** Bearer token required on every stats and admin route (`TRACKPOINT_ADMIN_TOKEN`). */
  adminToken: string
  /**
   * The time zone of days when a request has no `tz` (`TRACKPOINT_TIMEZONE`).
   * @default 'UTC'
   */
  timeZone?: string
  /** The plan in force, for the health view's plan events not seen lately. */
  plan?: PlanStore
  /**
   * Where refusals by reason are read: this process's collector (embedded), or the tallies of
   * every collector stored by the consumer (with Kafka).
   */
  rejections?: RefusalSource
  /** The consumer's lag, as this process knows it. */
  consumerLag?: () => Promise<ConsumerLag>
  /**
   * The key of the erasure audit's hash of erased user ids (`TRACKPOINT_ERASURE_SALT`).
   * @default adminToken
   */
  erasureSalt?: string
  /** `TRACKPOINT_RETENTION_DAYS`: the overview leaves out older days. @default the 3-month TTL */
  retentionDays?: number
  /** Where failures that do not fail a request are written (a paths build). @default none */
  logger?: Logger
}

/** The admin body: JSON within 4 KB; over it a 413 the client can read, as the collector's. */
const ADMIN_BODY_BYTES = 4096

/** The bearer token of a request; '' without one. */
const bearer = (request: FastifyRequest): string =>
  /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''

/** Constant-time comparison of the presented bearer token with the admin token. */
export function authorized(request: FastifyRequest, token: string): boolean {
  const presented = bearer(request)
  const a = Buffer.from(presented)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Reads `from`/`to` (YYYY-MM-DD, inclusive) and `tz` (an IANA time zone, the days' zone;
 * `timeZone` when absent).
 *
 * @throws HttpError 400 naming what is wrong.
 */
function dateRange(query: Record<string, unknown>, timeZone: string): StatsRange {
  const one = (key: string) => {
    const value = query[key]
    return Array.isArray(value) ? String(value[0]) : value === undefined ? null : String(value)
  }
  const bad = (message: string) => new HttpError(400, message, 'bad_range')
  const range: StatsRange = { tz: one('tz') ?? timeZone }
  if (!isTimeZone(range.tz!)) {
    throw bad(`tz must be an IANA time zone such as Asia/Shanghai or UTC, got "${range.tz}"`)
  }
  for (const key of ['from', 'to'] as const) {
    const value = one(key)
    if (value === null) continue
    if (!isDay(value)) throw bad(`${key} must be a date as YYYY-MM-DD, got "${value}"`)
    range[key] = value
  }
  if (range.from && range.to && range.from > range.to) throw bad('from must not be after to')
  return range
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

/** Who sent a request: the admin, or a partner with its deliveries. */
type Scope = { role: 'admin' } | ({ role: 'partner' } & PartnerScope)

const SCOPE = Symbol('scope')
type WithScope = FastifyRequest & { [SCOPE]?: Scope }
const scopeOf = (request: FastifyRequest): Scope =>
  (request as WithScope)[SCOPE] ?? { role: 'admin' }

/** An integer query parameter within bounds, or its default. */
function integer(
  query: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  def: number,
) {
  const raw = Array.isArray(query[key]) ? (query[key] as unknown[])[0] : query[key]
  if (raw === undefined) return def
  const value = Number(raw)
  if (!/^\d+$/.test(String(raw)) || value < min || value > max) {
    throw new HttpError(
      400,
      `${key} must be an integer from ${min} to ${max}, got "${String(raw)}"`,
    )
  }
  return value
}

/** A string query parameter of 1 to `max` characters, or undefined. */
function text(query: Record<string, unknown>, key: string, max: number): string | undefined {
  const raw = Array.isArray(query[key]) ? (query[key] as unknown[])[0] : query[key]
  if (raw === undefined) return undefined
  const value = String(raw)
  if (value.length === 0 || value.length > max) {
    throw new HttpError(400, `${key} must be 1 to ${max} characters`)
  }
  return value
}

/**
 * The stats API (§九 and the back-office of issue 12, see docs/stats-api.md) and its admin
 * routes, as a Fastify plugin. Every route needs `Authorization: Bearer <token>`, checked before
 * anything else (the body is not read without it): the admin token (`TRACKPOINT_ADMIN_TOKEN`)
 * opens every route; a partner token only its deliveries (`GET /api/stats/delivery/{id}` for
 * them, 403 for another id), their list and `whoami`; any other route answers it 403. Days
 * (`from`, `to`, `daily_stats`) are those of the `tz` parameter, or of `timeZone`. The route
 * schemas (statsSchemas.ts) make the OpenAPI document.
 */
export const statsRoutes: FastifyPluginAsync<StatsRoutesOptions> = async (app, options) => {
  const { store, adminToken } = options
  const timeZone = options.timeZone ?? 'UTC'

  app.addHook('onRequest', async (request) => {
    if (authorized(request, adminToken)) return
    const scope = await partnerScope(store, bearer(request))
    if (!scope) {
      throw new HttpError(
        401,
        'Send Authorization: Bearer <TRACKPOINT_ADMIN_TOKEN> or a valid partner token',
        'no_token',
      )
    }
    ;(request as WithScope)[SCOPE] = { role: 'partner', ...scope }
  })
  // The body is kept raw here and parsed by the routes that take one, so that a method the
  // route does not take gets its 405 whatever the body.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', async (request: FastifyRequest) =>
    readRawBody(request.raw, ADMIN_BODY_BYTES),
  )
  app.setErrorHandler(async (error, _request, reply) => {
    // The queries' own date checks (e.g. 2024-02-30, which Date.parse accepts) are the client's.
    if (error instanceof RangeError) return sendError(reply, new HttpError(400, error.message))
    throw error
  })

  const range = (request: FastifyRequest) => dateRange(query(request), timeZone)
  const filters = (request: FastifyRequest) => readFilters(query(request))
  const retention = options.retentionDays ? { retentionDays: options.retentionDays } : {}
  const pathsOptions = {
    ...retention,
    onBuildError: (error: unknown) =>
      options.logger?.error({
        msg: 'paths build failed; answered from the events (or the older build)',
        error: error instanceof Error ? error.message : String(error),
      }),
  }
  // Who erased, for the audit: the role and a fingerprint of the token, never the token.
  const requestedBy = `admin_token:${createHash('sha256').update(adminToken).digest('hex').slice(0, 12)}`

  /** Handlers by method and path; `partner` marks the ones a partner token may call. */
  const handlers: Record<string, { partner?: boolean; handler: Handler }> = {
    'GET /api/stats/whoami': {
      partner: true,
      handler: async (request, reply) => {
        const scope = scopeOf(request)
        sendJson(
          reply,
          200,
          scope.role === 'admin'
            ? { role: 'admin' }
            : { role: 'partner', name: scope.name, delivery_ids: scope.delivery_ids },
        )
      },
    },
    'GET /api/stats/overview': {
      handler: async (request, reply) => {
        const topPages = integer(query(request), 'limit', 1, 100, 10)
        const answer = await overview(
          store,
          { ...range(request), topPages, ...retention },
          filters(request),
        )
        sendJson(reply, 200, answer)
      },
    },
    'GET /api/stats/sources': {
      handler: async (request, reply) => {
        sendJson(reply, 200, await sourcesStats(store, range(request), filters(request)))
      },
    },
    'GET /api/stats/delivery/{id}': {
      partner: true,
      handler: async (request, reply) => {
        const id = param(request)
        const scope = scopeOf(request)
        if (scope.role === 'partner' && !scope.delivery_ids.includes(id)) {
          throw new HttpError(403, `This partner token may not read delivery ${id}`, 'forbidden')
        }
        sendJson(reply, 200, await deliveryStats(store, id, range(request), filters(request)))
      },
    },
    'GET /api/stats/deliveries': {
      partner: true,
      handler: async (request, reply) => {
        const scope = scopeOf(request)
        const ids = scope.role === 'partner' ? scope.delivery_ids : undefined
        const deliveries = await deliveryList(store, range(request), filters(request), ids)
        sendJson(reply, 200, { deliveries })
      },
    },
    'GET /api/stats/action/{id}': {
      handler: async (request, reply) => {
        sendJson(
          reply,
          200,
          await actionStats(store, param(request), range(request), filters(request)),
        )
      },
    },
    'GET /api/stats/actions': {
      handler: async (request, reply) => {
        const limit = integer(query(request), 'limit', 1, 1000, 100)
        const actions = await actionList(store, range(request), filters(request), limit)
        sendJson(reply, 200, { actions })
      },
    },
    'GET /api/stats/paths': {
      handler: async (request, reply) => {
        const q = query(request)
        const start = text(q, 'start', 512)
        const end = text(q, 'end', 512)
        if ((start === undefined) === (end === undefined)) {
          throw new HttpError(400, 'Give exactly one of start=<page> or end=<page>')
        }
        const answer = await userPaths(
          store,
          {
            direction: start !== undefined ? 'from' : 'to',
            page: (start ?? end) as string,
            depth: integer(q, 'depth', 2, 8, DEFAULT_PATHS_DEPTH),
            limit: integer(q, 'limit', 1, 50, 10),
          },
          range(request),
          filters(request),
          pathsOptions,
        )
        sendJson(reply, 200, answer)
      },
    },
    'GET /api/stats/health': {
      handler: async (request, reply) => {
        const tz = dateRange(query(request), timeZone).tz ?? timeZone
        const answer = await trackingHealth(store, {
          filters: filters(request),
          tz,
          plan: options.plan?.current().plan,
          rejections: options.rejections,
          consumerLag: options.consumerLag,
        })
        sendJson(reply, 200, answer)
      },
    },
    'GET /api/stats/live': {
      handler: async (request, reply) => {
        const q = query(request)
        const since = text(q, 'since', 60)
        const answer = await liveEvents(store, {
          since: since === undefined ? undefined : readCursor(since),
          limit: integer(q, 'limit', 1, 500, 50),
          userId: text(q, 'user_id', 256),
          eventName: text(q, 'event_name', 128),
          filters: filters(request),
        })
        sendJson(reply, 200, answer)
      },
    },
    'POST /api/admin/partner-tokens': {
      handler: async (request, reply) => {
        const body = readJson(request.body) as { name?: unknown; delivery_ids?: unknown } | null
        const name = body?.name
        const ids = body?.delivery_ids
        const goodId = (id: unknown) => typeof id === 'string' && id.length >= 1 && id.length <= 128
        if (
          typeof name !== 'string' ||
          name.length < 1 ||
          name.length > 128 ||
          !Array.isArray(ids) ||
          ids.length < 1 ||
          ids.length > 100 ||
          !ids.every(goodId)
        ) {
          throw new HttpError(
            400,
            'Body must be {"name": <1-128 characters>, "delivery_ids": [<1-100 ids of 1-128 characters>]}',
          )
        }
        sendJson(reply, 201, await issuePartnerToken(store, name, ids as string[]))
      },
    },
    'GET /api/admin/partner-tokens': {
      handler: async (_request, reply) => {
        sendJson(reply, 200, { tokens: await listPartnerTokens(store) })
      },
    },
    'DELETE /api/admin/partner-tokens/{id}': {
      handler: async (request, reply) => {
        const token = await revokePartnerToken(store, param(request))
        if (!token) throw new HttpError(404, `No partner token has the id ${param(request)}`)
        sendJson(reply, 200, token)
      },
    },
    'DELETE /api/admin/users/{user_id}': {
      handler: async (request, reply) => {
        const userId = (request.params as { user_id: string }).user_id
        const erased = await eraseUser(store, userId, {
          requestedBy,
          salt: options.erasureSalt ?? adminToken,
        }).catch((error: unknown) => {
          // Not done yet, not failed: a second call waits for the same deletions.
          if (!(error instanceof MutationStillRunning)) throw error
          throw new HttpError(503, `The erasure is not complete: ${error.message}`)
        })
        sendJson(reply, 200, { code: 200, message: 'erased', ...erased })
      },
    },
    'PUT /api/admin/deliveries/{id}': {
      handler: async (request, reply) => {
        const target = (readJson(request.body) as { target_users?: unknown } | null)?.target_users
        if (!Number.isInteger(target) || (target as number) < 0) {
          throw new HttpError(400, 'Body must be {"target_users": <non-negative integer>}')
        }
        const id = param(request)
        await setTargetUsers(store, id, target as number)
        sendJson(reply, 200, {
          code: 200,
          message: 'success',
          delivery_id: id,
          target_users: target,
        })
      },
    },
  }
  // One Fastify route per documented path, taking every method, with its schemas beside it.
  for (const path of new Set(STATS_ROUTES.map((route) => route.path))) {
    const documented = STATS_ROUTES.filter((route) => route.path === path)
    const methods = documented.map((route) => route.method.toUpperCase())
    for (const method of methods) {
      if (!handlers[`${method} ${path}`]) {
        throw new Error(`no handler for the documented stats route ${method} ${path}`)
      }
    }
    const allow = methods.join(', ')
    app.all(path.replace(/\{(\w+)\}/g, ':$1'), {
      config: { openapi: documented },
      // After the token check, before the body is read.
      onRequest: async (request) => {
        const entry = handlers[`${request.method} ${path}`]
        if (!entry) {
          const message = `${request.method} is not allowed on ${request.url.split('?')[0]}; use ${allow}`
          throw methodNotAllowed(path, allow, message)
        }
        if (scopeOf(request).role === 'partner' && !entry.partner) {
          throw new HttpError(403, 'A partner token may read only its deliveries', 'forbidden')
        }
      },
      handler: (request, reply) => handlers[`${request.method} ${path}`]!.handler(request, reply),
    })
  }
}

const query = (request: FastifyRequest) => request.query as Record<string, unknown>
const param = (request: FastifyRequest) => (request.params as { id: string }).id

function readJson(body: unknown): unknown {
  try {
    return JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : '')
  } catch {
    throw new HttpError(400, 'Body must be JSON, at most 4 KB', 'bad_json')
  }
}
