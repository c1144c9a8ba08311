import type { IncomingMessage, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import { HttpError } from '../http/httpError'
import { readRawBody } from '../http/readBody'
import { decodePathSegment, requestTarget } from '../http/requestTarget'
import type { EventStore } from '../types'
import { actionStats, deliveryStats, overview, setTargetUsers } from './queries'
import { isDay, isTimeZone, type StatsRange } from './statsRange'

/** Options of {@link createStatsApi}. */
export interface StatsApiOptions {
  store: EventStore
  /** Bearer token required on every stats and admin route (`TRACKPOINT_ADMIN_TOKEN`). */
  adminToken: string
  /**
   * The time zone of days when a request has no `tz` (`TRACKPOINT_TIMEZONE`).
   * @default 'UTC'
   */
  timeZone?: string
}

/** Answers a request, or returns `false` when the route is not the stats API's. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

const send = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}

const fail = (
  res: ServerResponse,
  status: number,
  message: string,
  headers?: Record<string, string>,
) => send(res, status, { code: status, message }, headers)

/** Constant-time comparison of the presented bearer token with the admin token. */
function authorized(req: IncomingMessage, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? ''
  const a = Buffer.from(presented)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Reads `from`/`to` (YYYY-MM-DD, inclusive) and `tz` (an IANA time zone, the days' zone;
 * `timeZone` when absent); a clear 400 for anything else.
 */
function dateRange(url: URL, timeZone: string): StatsRange | string {
  const range: StatsRange = { tz: url.searchParams.get('tz') ?? timeZone }
  if (!isTimeZone(range.tz!)) {
    return `tz must be an IANA time zone such as Asia/Shanghai or UTC, got "${range.tz}"`
  }
  for (const key of ['from', 'to'] as const) {
    const value = url.searchParams.get(key)
    if (value === null) continue
    if (!isDay(value)) {
      return `${key} must be a date as YYYY-MM-DD, got "${value}"`
    }
    range[key] = value
  }
  if (range.from && range.to && range.from > range.to) return 'from must not be after to'
  return range
}

/** The admin body: JSON within 4 KB; over it a 413 the client can read, as the collector does. */
async function readJson(req: IncomingMessage, limit = 4096): Promise<unknown> {
  const raw = await readRawBody(req, limit)
  try {
    return JSON.parse(raw.toString('utf8'))
  } catch {
    throw new HttpError(400, 'Body must be JSON, at most 4 KB', 'bad_json')
  }
}

/**
 * The stats API of §九 and the admin route that sets a delivery's target users:
 * `GET /api/stats/delivery/{id}`, `GET /api/stats/action/{id}`, `GET /api/stats/overview`,
 * `PUT /api/admin/deliveries/{id}` with `{"target_users": n}`. Every route needs
 * `Authorization: Bearer <TRACKPOINT_ADMIN_TOKEN>`. Days (`from`, `to`, `daily_stats`) are those
 * of the `tz` parameter, or of `timeZone`.
 */
export function createStatsApi({
  store,
  adminToken,
  timeZone = 'UTC',
}: StatsApiOptions): RouteHandler {
  return async (req, res) => {
    // Both throw HttpError 400 (a bad port in an absolute-form target, `50%off`); the server's
    // guard answers it.
    const url = requestTarget(req.url)
    const match =
      /^\/api\/(stats|admin)\/(?:(delivery|action|overview|deliveries)(?:\/([^/]+))?)$/.exec(
        url.pathname,
      )
    if (!match) return false
    if (!authorized(req, adminToken)) {
      fail(res, 401, 'Send Authorization: Bearer <TRACKPOINT_ADMIN_TOKEN>')
      return true
    }
    const [, area, resource, rawId] = match
    const id = rawId === undefined ? undefined : decodePathSegment(rawId)
    try {
      if (area === 'admin' && resource === 'deliveries' && id && req.method === 'PUT') {
        const body = (await readJson(req)) as { target_users?: unknown }
        const target = body?.target_users
        if (!Number.isInteger(target) || (target as number) < 0) {
          fail(res, 400, 'Body must be {"target_users": <non-negative integer>}')
          return true
        }
        await setTargetUsers(store, id, target as number)
        send(res, 200, { code: 200, message: 'success', delivery_id: id, target_users: target })
        return true
      }
      if (area !== 'stats' || req.method !== 'GET') {
        // RFC 9110 §15.5.6: a 405 lists the methods the resource takes.
        const allow = area === 'admin' ? 'PUT' : 'GET'
        fail(res, 405, `${req.method} is not allowed on ${url.pathname}; use ${allow}`, {
          Allow: allow,
        })
        return true
      }
      const range = dateRange(url, timeZone)
      if (typeof range === 'string') {
        fail(res, 400, range)
        return true
      }
      if (resource === 'overview' && !id) send(res, 200, await overview(store, range))
      else if (resource === 'delivery' && id) send(res, 200, await deliveryStats(store, id, range))
      else if (resource === 'action' && id) send(res, 200, await actionStats(store, id, range))
      else fail(res, 404, `No stats route ${url.pathname}`)
    } catch (cause) {
      if (cause instanceof HttpError) {
        fail(res, cause.status, cause.message)
      } else if (cause instanceof RangeError) {
        // the queries' own date checks (e.g. 2024-02-30, which Date.parse accepts)
        fail(res, 400, cause.message)
      } else {
        fail(res, 500, 'Internal error')
      }
    }
    return true
  }
}
