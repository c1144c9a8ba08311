import { BlockList, isIP } from 'node:net'
import type { AppConfig } from '../config'
import { HttpError } from '../http/httpError'

/** Headers a browser may send on a POST; the SDK sends the first two, servers the third. */
const ALLOWED_HEADERS = 'Content-Type, Content-Encoding, Authorization'
/**
 * The SDK reads `Retry-After` on a 429/503; cross-origin, fetch hides every response header not
 * listed here (Fetch spec, CORS-exposed header names).
 */
// `Date` lets the SDK learn the server's clock from any answer (not CORS-safelisted).
const EXPOSED_HEADERS = 'Retry-After, X-Request-Id, Date'
/** Chromium caps a preflight cache entry at 2 h; asking more is ignored. */
const PREFLIGHT_MAX_AGE = '7200'

/** Who may send for an app: page origins (with CORS) and, optionally, client IPs. */
export interface AccessPolicy {
  /**
   * CORS headers for an answer to `origin`: the origin is echoed when some app allows it, so
   * the page can read even an error answer (and its message); otherwise none.
   */
  corsHeaders(origin: string | undefined): Record<string, string>
  /** Headers of the answer to a preflight (OPTIONS) from `origin`. */
  preflightHeaders(origin: string | undefined): Record<string, string>
  /**
   * Checks that `app` accepts requests from `origin` (when the request has one) and `ip`.
   * @throws HttpError 401 naming the origin or IP and how to allow it.
   */
  check(app: AppConfig, origin: string | undefined, ip: string): void
}

const allows = (origins: readonly string[], origin: string) =>
  origins.includes('*') || origins.includes(origin)

function ipList(ips: readonly string[]): BlockList {
  const list = new BlockList()
  for (const entry of ips) {
    const [address = '', bits] = entry.split('/')
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(bits), type)
  }
  return list
}

/**
 * Builds the origin and IP rules of `apps`. A preflight carries no body, so it cannot name the
 * app: it is answered for any origin some app allows, and the POST then checks the app's own
 * list. Requests without `Origin` (servers, curl) are not checked against origins: only
 * browsers send it, and a non-browser client could forge it anyway.
 */
export function createAccessPolicy(apps: readonly AppConfig[]): AccessPolicy {
  const anyOrigin = apps.flatMap((app) => app.allowed_origins)
  const ipLists = new Map(
    apps.filter((app) => app.allowed_ips).map((app) => [app.app_id, ipList(app.allowed_ips!)]),
  )
  const corsHeaders = (origin: string | undefined): Record<string, string> => {
    // Vary always: a cache must not serve one origin's answer to another.
    const headers: Record<string, string> = { Vary: 'Origin' }
    if (origin !== undefined && allows(anyOrigin, origin)) {
      headers['Access-Control-Allow-Origin'] = origin
      headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS
    }
    return headers
  }
  return {
    corsHeaders,
    preflightHeaders(origin) {
      const headers = corsHeaders(origin)
      if (!headers['Access-Control-Allow-Origin']) return headers
      return {
        ...headers,
        'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
      }
    },
    check(app, origin, ip) {
      if (origin !== undefined && !allows(app.allowed_origins, origin)) {
        throw new HttpError(
          401,
          `origin ${origin} may not send for app "${app.app_id}"; add it to the app's allowed_origins`,
          'origin_not_allowed',
        )
      }
      const list = ipLists.get(app.app_id)
      const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4'
      if (list && !(isIP(ip) && list.check(ip, type))) {
        throw new HttpError(
          401,
          `client IP ${ip} may not send for app "${app.app_id}"; add it to the app's allowed_ips`,
          'ip_not_allowed',
        )
      }
    },
  }
}
