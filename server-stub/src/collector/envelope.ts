import { HttpError } from '../http/httpError'

/** A request body of §五 whose envelope has the right shape; the events are checked later. */
export interface Envelope {
  app_id: string
  /** Signing time in ms (§五.5); absent with Bearer auth. */
  timestamp: number | undefined
  /** md5(app_id + timestamp + secret) in hex (§五.5); absent with Bearer auth. */
  sign: string | undefined
  /** `''` when the client did not say. */
  sdk_version: string
  /** `''` when the client did not say. */
  app_version: string
  /** The events as sent, at least one and at most the request limit. */
  events: unknown[]
}

const SHAPE = '{"app_id", "timestamp", "sign", "sdk_version", "app_version", "events": [...]}'
const MAX_VERSION_LENGTH = 64

const badRequest = (message: string, reason = 'bad_shape') => new HttpError(400, message, reason)

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A version field: absent or null reads as `''`; anything but a short string is refused. */
function version(body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (value === undefined || value === null) return ''
  if (typeof value !== 'string' || value.length > MAX_VERSION_LENGTH) {
    throw badRequest(
      `${field} must be a string of at most ${MAX_VERSION_LENGTH} characters, e.g. "1.2.0"`,
    )
  }
  return value
}

/**
 * Parses a request body and checks the envelope of §五: a JSON object with `app_id`, the
 * optional signature fields and versions, and 1 to `maxEvents` events. `client_ip` in the body
 * is ignored: the server rewrites it.
 *
 * @throws HttpError 400 with what to fix; 413 when there are more than `maxEvents` events
 * (§五: 413 means "send fewer events per request", and the SDK splits the batch on it).
 */
export function parseEnvelope(text: string, maxEvents: number): Envelope {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    throw badRequest(
      `body is not valid JSON (${(error as Error).message}); send a JSON object ${SHAPE}`,
      'bad_json',
    )
  }
  if (!isObject(body)) throw badRequest(`body must be a JSON object ${SHAPE}`)
  const { app_id, timestamp, sign, events } = body
  if (typeof app_id !== 'string' || !app_id) {
    throw badRequest('app_id is required: the id your app is registered with (a string)')
  }
  if (timestamp !== undefined && (typeof timestamp !== 'number' || !Number.isInteger(timestamp))) {
    throw badRequest(
      'timestamp must be the signing time in milliseconds since the epoch, e.g. Date.now()',
    )
  }
  if (sign !== undefined && typeof sign !== 'string') {
    throw badRequest('sign must be the hex string md5(app_id + timestamp + secret)')
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw badRequest('events must be a non-empty array of events')
  }
  if (events.length > maxEvents) {
    throw new HttpError(
      413,
      `at most ${maxEvents} events per request; got ${events.length}: split the batch`,
      'too_many_events',
    )
  }
  return {
    app_id,
    timestamp,
    sign,
    sdk_version: version(body, 'sdk_version'),
    app_version: version(body, 'app_version'),
    events,
  }
}
