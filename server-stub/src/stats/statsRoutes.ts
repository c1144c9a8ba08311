import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { methodNotAllowed, sendError, sendJson } from '../http/createHttpServer'
import { HttpError } from '../http/httpError'
import { readRawBody } from '../http/readBody'
import type { EventStore } from '../types'
import { eraseUser } from './eraseUser'
import { sourcesStats } from './sourcesStats'
import { actionStats, deliveryStats, overview, setTargetUsers } from './queries'
import { isDay, isTimeZone, type StatsRange } from './statsRange'
import { STATS_ROUTES } from './statsSchemas'

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
  /**
   * The key of the erasure audit's hash of erased user ids (`TRACKPOINT_ERASURE_SALT`).
   * @default adminToken
   */
  erasureSalt?: string
  /** `TRACKPOINT_RETENTION_DAYS`: the overview leaves out older days. @default the 3-month TTL */
  retentionDays?: number
}

/** The admin body: JSON within 4 KB; over it a 413 the client can read, as the collector's. */
const ADMIN_BODY_BYTES = 4096

/** Constant-time comparison of the presented bearer token with the admin token. */
export function authorized(request: FastifyRequest, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''
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

/**
 * The stats API of §九 and the admin route that sets a delivery's target users, as a Fastify
 * plugin: `GET /api/stats/delivery/{id}`, `GET /api/stats/action/{id}`, `GET
 * /api/stats/overview`, `PUT /api/admin/deliveries/{id}` with `{"target_users": n}`. Every
 * route needs `Authorization: Bearer <TRACKPOINT_ADMIN_TOKEN>`, checked before anything else
 * (the body is not read without it). Days (`from`, `to`, `daily_stats`) are those of the `tz`
 * parameter, or of `timeZone`. The route schemas (statsSchemas.ts) make the OpenAPI document.
 */
export const statsRoutes: FastifyPluginAsync<StatsRoutesOptions> = async (app, options) => {
  const { store, adminToken } = options
  const timeZone = options.timeZone ?? 'UTC'

  app.addHook('onRequest', async (request) => {
    if (!authorized(request, adminToken)) {
      throw new HttpError(401, 'Send Authorization: Bearer <TRACKPOINT_ADMIN_TOKEN>', 'no_token')
    }
  })
  // The body is kept raw here and parsed by the one route that takes one, so that a method the
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

  // Who erased, for the audit: the role and a fingerprint of the token, never the token.
  const requestedBy = `admin_token:${createHash('sha256').update(adminToken).digest('hex').slice(0, 12)}`
  const handlers: Record<string, [method: 'GET' | 'PUT' | 'DELETE', Handler]> = {
    '/api/stats/overview': [
      'GET',
      async (request, reply) => {
        const range = dateRange(query(request), timeZone)
        const retention = options.retentionDays
        sendJson(
          reply,
          200,
          await overview(store, retention ? { ...range, retentionDays: retention } : range),
        )
      },
    ],
    '/api/stats/sources': [
      'GET',
      async (request, reply) => {
        sendJson(reply, 200, await sourcesStats(store, dateRange(query(request), timeZone)))
      },
    ],
    '/api/stats/delivery/{id}': [
      'GET',
      async (request, reply) => {
        const range = dateRange(query(request), timeZone)
        sendJson(reply, 200, await deliveryStats(store, param(request), range))
      },
    ],
    '/api/stats/action/{id}': [
      'GET',
      async (request, reply) => {
        const range = dateRange(query(request), timeZone)
        sendJson(reply, 200, await actionStats(store, param(request), range))
      },
    ],
    '/api/admin/deliveries/{id}': [
      'PUT',
      async (request, reply) => {
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
    ],
    '/api/admin/users/{user_id}': [
      'DELETE',
      async (request, reply) => {
        const userId = (request.params as { user_id: string }).user_id
        const erased = await eraseUser(store, userId, {
          requestedBy,
          salt: options.erasureSalt ?? adminToken,
        })
        sendJson(reply, 200, { code: 200, message: 'erased', ...erased })
      },
    ],
  }
  // One Fastify route per documented path, taking every method, with its schema beside it.
  for (const path of new Set(STATS_ROUTES.map((route) => route.path))) {
    const entry = handlers[path]
    if (!entry) throw new Error(`no handler for the documented stats route ${path}`)
    const [method, handler] = entry
    app.all(path.replace(/\{(\w+)\}/g, ':$1'), {
      config: { openapi: STATS_ROUTES.filter((route) => route.path === path) },
      // After the token check, before the body is read.
      onRequest: async (request) => {
        if (request.method !== method) {
          const message = `${request.method} is not allowed on ${request.url.split('?')[0]}; use ${method}`
          throw methodNotAllowed(path, method, message)
        }
      },
      handler,
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
