import { createHash, timingSafeEqual } from 'node:crypto'
import type { AppConfig } from '../config'
import { HttpError } from '../http/httpError'
import type { Envelope } from './envelope'

/** §五.5: a signature is valid for 5 minutes either side of the server clock. */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000

const unauthorized = (message: string, reason: string, details?: Record<string, unknown>) =>
  new HttpError(401, message, reason, undefined, details)

/**
 * Compares in time that does not depend on where the strings differ, so answers leak nothing
 * about the expected value. Unequal lengths still cost one comparison.
 */
function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  if (a.length !== b.length) {
    timingSafeEqual(b, b)
    return false
  }
  return timingSafeEqual(a, b)
}

/** True when `given` equals one of `candidates`; every candidate is compared (no early exit). */
function matchesAny(given: string, candidates: readonly string[]): boolean {
  let match = false
  for (const candidate of candidates) match = safeEqual(given, candidate) || match
  return match
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex')

/**
 * Authenticates a request for the app it names, and returns that app.
 *
 * - `Authorization: Bearer <secret>`, where the secret is one of the app's secrets: for
 *   server-side senders (a backend proxy, §五.5 后端代理), which can keep a secret. Never use
 *   it from a page. The body still names the app in `app_id`; `timestamp`/`sign` are not needed.
 * - Otherwise the body signature of §五.5: `sign` = md5(app_id + timestamp + secret) in hex
 *   for any of the app's secrets (rotation), `timestamp` within ±5 minutes of `now`.
 *
 * @throws HttpError 401 naming what is wrong.
 */
export function authenticate(
  envelope: Envelope,
  authorization: string | undefined,
  apps: ReadonlyMap<string, AppConfig>,
  now: number,
): AppConfig {
  const app = apps.get(envelope.app_id)
  if (!app) {
    throw unauthorized(
      `unknown app_id "${envelope.app_id}"; use the app_id registered in the collector's TRACKPOINT_APPS`,
      'unknown_app',
    )
  }
  if (authorization !== undefined) {
    const [scheme, token] = authorization.trim().split(/\s+/, 2)
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw unauthorized('Authorization must be "Bearer <app secret>"', 'bad_token')
    }
    if (!matchesAny(token, app.secrets)) {
      throw unauthorized(`the Bearer token is not a secret of app "${app.app_id}"`, 'bad_token')
    }
    return app
  }
  const { timestamp, sign } = envelope
  if (timestamp === undefined || sign === undefined) {
    throw unauthorized(
      'timestamp and sign are required: sign = md5(app_id + timestamp + secret), timestamp = Date.now() (§五.5)',
      'missing_sign',
    )
  }
  const skew = Math.abs(now - timestamp)
  if (skew > SIGNATURE_WINDOW_MS) {
    const hint = timestamp < 1e12 ? ' (it looks like seconds; send milliseconds)' : ''
    throw unauthorized(
      `timestamp ${timestamp} is ${Math.round(skew / 1000)} s from the server clock${hint}; sign with the current time (allowed ±300 s)`,
      'stale_timestamp',
      // The SDK learns the server's clock from this and signs again (a device clock minutes
      // off is common); `error` tells it this 401 is about time, not the secret.
      { error: 'stale_timestamp', server_time: now },
    )
  }
  const expected = app.secrets.map((secret) => md5(app.app_id + timestamp + secret))
  if (!matchesAny(sign.toLowerCase(), expected)) {
    throw unauthorized(
      `sign does not match md5(app_id + timestamp + secret) for any secret of app "${app.app_id}"`,
      'bad_sign',
    )
  }
  return app
}
