// Trackpoint DEVELOPMENT / TEST collector — NOT the real backend.
//
// A single-file HTTP server that speaks the wire format of §五 (POST /api/v1/track, /batch,
// /debug, GET /health) well enough for `npm start` and the Playwright specs in e2e/. It keeps
// accepted events in memory only: no Kafka, no ClickHouse, no dedup on event_id, no rate limits.
// The production collector lives in server-stub (@trackpoint/server); do not deploy this file.
//
// What it is for:
// - `npm start` (scripts/devServer.mjs) before the real backend exists;
// - e2e specs, which need to watch exactly what the browser sent: every request (fetch or
//   beacon, encoding, raw size, event_ids, status), every accepted event in order, and any
//   event_id that was in two in-flight requests at the same time;
// - failure injection: `setMode('down503')` answers 503 + Retry-After, `setMode('refuse')`
//   destroys the socket so the browser sees a network error; `answerNext(...)` scripts the
//   statuses of the next POSTs (each §五 outcome: 429, 5xx, 400, 401, 413…), and
//   `setMaxEvents(n)` answers 413 to a request of more than n events, as a collector with a
//   smaller limit would.
import { createServer } from 'node:http'
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import { gunzipSync } from 'node:zlib'

/**
 * @typedef {object} CollectorApp
 * @property {string} app_id
 * @property {string[]} secrets Every secret that signs valid requests (more than one while a
 *   secret is rotated).
 */

/**
 * @typedef {'up' | 'down503' | 'refuse'} CollectorMode
 */

/**
 * @typedef {object} TrackEvent
 * @property {string} event_id
 * @property {string} event_name
 * @property {string} user_id
 * @property {number} timestamp
 * @property {string} platform
 * @property {string} page
 * @property {string} session_id
 * @property {Record<string, unknown>} [properties]
 */

/**
 * One HTTP request as the collector saw it.
 * @typedef {object} RecordedRequest
 * @property {'fetch' | 'beacon' | 'preflight'} kind `beacon` when a browser sent it in
 *   `no-cors` mode (what `navigator.sendBeacon` with a text Blob does; a `no-cors` fetch looks
 *   the same), or, from a client without `Sec-Fetch-Mode`, as `text/plain`; `preflight` for a
 *   CORS OPTIONS request.
 * @property {string} method
 * @property {string} path
 * @property {string | undefined} contentType
 * @property {string | undefined} encoding The `Content-Encoding` header, e.g. `gzip`.
 * @property {string | undefined} fetchMode The `Sec-Fetch-Mode` header (`cors`, `no-cors`).
 * @property {number} bytes Raw body length as received, before gunzip.
 * @property {string[]} eventIds event_ids in the body (empty when it could not be parsed).
 * @property {number} status The status answered; 0 when the socket was destroyed.
 * @property {number} at `Date.now()` when the body had been read.
 */

/**
 * A scripted answer to one POST (see `answerNext`): its status, and a `Retry-After` header
 * when given. The request's events are not accepted.
 * @typedef {object} ScriptedAnswer
 * @property {number} status
 * @property {string} [retryAfter]
 */

/**
 * A batch the collector answered, for logging (devServer prints these).
 * @typedef {object} BatchInfo
 * @property {RecordedRequest} request
 * @property {TrackEvent[]} events Events accepted from this request (none unless 2xx).
 * @property {boolean} debug Whether it came through /api/v1/track/debug (never stored).
 */

/**
 * @typedef {object} CollectorOptions
 * @property {number} [port] Port on 127.0.0.1; 0 picks a free one. Default 0.
 * @property {string} [host] Default `127.0.0.1`: the collector is never exposed beyond the machine.
 * @property {CollectorApp[]} [apps] Registered apps. Default: one app `dev_app` / `dev_secret`.
 * @property {number} [delayMs] Wait this long before answering a POST, to widen the window in
 *   which a request is in flight. Default 0.
 * @property {boolean} [log] Print a banner and one line per rejected request. Default true.
 * @property {(batch: BatchInfo) => void} [onBatch] Called after every answered POST.
 */

/**
 * @typedef {object} Collector
 * @property {string} url Base URL to pass as the SDK's `endpoint`, e.g. `http://127.0.0.1:8080`.
 * @property {number} port
 * @property {TrackEvent[]} received Every event accepted through /api/v1/track(/batch), in
 *   order, duplicates included (this collector does not dedup: tests count them).
 * @property {RecordedRequest[]} requests Every request, in the order its body was read.
 * @property {string[]} concurrentDuplicates event_ids seen in two in-flight requests at once.
 * @property {(mode: CollectorMode) => void} setMode
 * @property {() => CollectorMode} getMode
 * @property {(...answers: ScriptedAnswer[]) => void} answerNext Queues answers for the next
 *   POSTs to /api/v1/track(/batch), one each, in order, before any other check.
 * @property {(max: number) => void} setMaxEvents Events allowed in one request (413 above);
 *   default 100 (§五.2).
 * @property {() => () => void} holdPreflights Leaves CORS preflights unanswered until the
 *   returned function is called: the browser holds the request behind one, so a test can act
 *   while a send has started but is not on the wire yet.
 * @property {() => Promise<void>} close
 */

const MAX_BODY_BYTES = 1024 * 1024
// §五.2: the batch API takes at most 100 events per request.
const MAX_EVENTS = 100
// §五.5: a signature is valid for 5 minutes either side of the server clock.
const SIGN_WINDOW_MS = 5 * 60 * 1000
const REQUIRED_FIELDS = /** @type {const} */ ([
  ['event_id', 'string'],
  ['event_name', 'string'],
  ['user_id', 'string'],
  ['timestamp', 'number'],
  ['platform', 'string'],
  ['page', 'string'],
  ['session_id', 'string'],
])
const TRACK_PATHS = new Set(['/api/v1/track', '/api/v1/track/batch'])
const DEBUG_PATH = '/api/v1/track/debug'
const HEALTH_PATH = '/api/v1/track/health'

/** @param {string} text */
const md5 = (text) => createHash('md5').update(text).digest('hex')

/**
 * Compares in time independent of where the strings differ, so the check leaks nothing about
 * the expected signature.
 * @param {string} a
 * @param {string} b
 */
const safeEqual = (a, b) => {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  if (left.length !== right.length) {
    timingSafeEqual(left, left)
    return false
  }
  return timingSafeEqual(left, right)
}

/**
 * Returns the per-event validation errors (§五.3 `errors`), empty when the event is valid.
 * @param {unknown} event
 * @returns {string[]}
 */
export const validateEvent = (event) => {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return ['event must be an object']
  }
  const record = /** @type {Record<string, unknown>} */ (event)
  /** @type {string[]} */
  const errors = []
  for (const [field, type] of REQUIRED_FIELDS) {
    const value = record[field]
    if (typeof value !== type || value === '') errors.push(`${field} is required (${type})`)
  }
  const props = record.properties
  if (
    props !== undefined &&
    (typeof props !== 'object' || props === null || Array.isArray(props))
  ) {
    errors.push('properties must be an object')
  }
  return errors
}

class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/**
 * Starts the development/test collector on 127.0.0.1.
 * @param {CollectorOptions} [options]
 * @returns {Promise<Collector>}
 */
export async function startCollector({
  port = 0,
  host = '127.0.0.1',
  apps = [{ app_id: 'dev_app', secrets: ['dev_secret'] }],
  delayMs = 0,
  log = true,
  onBatch,
} = {}) {
  const secretsByApp = new Map(apps.map((app) => [app.app_id, app.secrets]))
  const startedAt = Date.now()
  /** @type {CollectorMode} */
  let mode = 'up'
  let maxEvents = MAX_EVENTS
  /** @type {Promise<void> | undefined} */
  let preflightsHeld
  /** Answers the held preflights; `close()` calls it too, so none waits past the collector. */
  let releasePreflights = () => {
    preflightsHeld = undefined
  }
  /** @type {ScriptedAnswer[]} */
  const scripted = []
  /** @type {TrackEvent[]} */
  const received = []
  /** @type {RecordedRequest[]} */
  const requests = []
  /** @type {string[]} */
  const concurrentDuplicates = []
  // event_id → number of requests holding it that have not been answered yet.
  /** @type {Map<string, number>} */
  const inFlight = new Map()

  /** @param {unknown[]} args */
  const say = (...args) => {
    if (log) console.log('[dev collector]', ...args)
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @returns {Promise<Buffer>}
   */
  const readBody = (req) =>
    new Promise((resolve, reject) => {
      /** @type {Buffer[]} */
      const chunks = []
      let size = 0
      req.on('data', (/** @type {Buffer} */ chunk) => {
        size += chunk.length
        if (size <= MAX_BODY_BYTES) chunks.push(chunk)
      })
      req.on('end', () => resolve(Buffer.concat(chunks, Math.min(size, MAX_BODY_BYTES + 1))))
      req.on('error', reject)
    })

  /**
   * @param {Buffer} raw
   * @param {string | undefined} encoding
   * @returns {Record<string, unknown>}
   */
  const parseBody = (raw, encoding) => {
    if (raw.length > MAX_BODY_BYTES) throw new HttpError(413, 'request body exceeds 1 MB')
    let text
    if (encoding === 'gzip') {
      try {
        text = gunzipSync(raw, { maxOutputLength: 8 * MAX_BODY_BYTES }).toString('utf8')
      } catch {
        throw new HttpError(400, 'Content-Encoding is gzip but the body is not valid gzip')
      }
    } else if (encoding && encoding !== 'identity') {
      throw new HttpError(415, `unsupported Content-Encoding ${encoding}; send gzip or none`)
    } else {
      text = raw.toString('utf8')
    }
    /** @type {unknown} */
    let body
    try {
      body = JSON.parse(text)
    } catch {
      throw new HttpError(400, 'body is not valid JSON')
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'body must be a JSON object')
    }
    return /** @type {Record<string, unknown>} */ (body)
  }

  /** @param {Record<string, unknown>} body */
  const checkBody = (body) => {
    const { app_id: appId, timestamp, sign, events } = body
    if (typeof appId !== 'string' || typeof timestamp !== 'number' || typeof sign !== 'string') {
      throw new HttpError(400, 'app_id (string), timestamp (number, ms) and sign are required')
    }
    if (!Array.isArray(events) || events.length === 0) {
      throw new HttpError(400, 'events must be a non-empty array')
    }
    if (events.length > maxEvents) {
      throw new HttpError(413, `at most ${maxEvents} events per request, got ${events.length}`)
    }
    const secrets = secretsByApp.get(appId)
    if (!secrets) throw new HttpError(401, `unknown app_id ${appId}`)
    if (Math.abs(Date.now() - timestamp) > SIGN_WINDOW_MS) {
      throw new HttpError(401, 'timestamp is more than 5 minutes away from the server clock')
    }
    const valid = secrets.some((secret) => safeEqual(md5(appId + timestamp + secret), sign))
    if (!valid) throw new HttpError(401, 'sign does not match md5(app_id + timestamp + secret)')
    return /** @type {unknown[]} */ (events)
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  const setCors = (req, res) => {
    // Echo the Origin so any dev page can post; Retry-After must be exposed or the SDK's
    // fetch cannot read it on a cross-origin 503/429.
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*')
    res.setHeader('Vary', 'Origin')
    res.setHeader('Access-Control-Allow-Credentials', 'true')
    res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS')
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Content-Encoding')
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After')
    res.setHeader('Access-Control-Max-Age', '600')
  }

  /**
   * @param {import('node:http').ServerResponse} res
   * @param {number} status
   * @param {Record<string, unknown>} body
   */
  const sendJson = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify(body))
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  const handle = async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://collector').pathname
    const contentType = req.headers['content-type']
    const encoding = req.headers['content-encoding']
    const fetchMode = /** @type {string | undefined} */ (req.headers['sec-fetch-mode'])
    const requestId = `req_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    setCors(req, res)

    if (req.method === 'OPTIONS') {
      /** @type {RecordedRequest} */
      const record = {
        kind: 'preflight',
        method: 'OPTIONS',
        path,
        contentType,
        encoding,
        fetchMode,
        bytes: 0,
        eventIds: [],
        status: 204,
        at: Date.now(),
      }
      requests.push(record)
      if (mode === 'refuse') {
        record.status = 0
        req.socket.destroy()
        return
      }
      if (preflightsHeld) await preflightsHeld
      if (!res.destroyed) res.writeHead(204).end()
      return
    }
    if (req.method === 'GET' && path === HEALTH_PATH && mode !== 'refuse') {
      sendJson(res, mode === 'up' ? 200 : 503, {
        status: mode === 'up' ? 'healthy' : 'unhealthy',
        version: 'dev',
        kafka_connected: false,
        clickhouse_connected: false,
        uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
        note: 'development/test collector: events are kept in memory only',
      })
      return
    }
    const isDebug = path === DEBUG_PATH
    if (req.method !== 'POST' || !(TRACK_PATHS.has(path) || isDebug)) {
      if (mode === 'refuse') req.socket.destroy()
      else
        sendJson(res, 404, {
          code: 404,
          message: `no route ${req.method} ${path}`,
          request_id: requestId,
        })
      return
    }

    // Refused as it arrives: a test that turns the mode back to `up` while the body is still
    // being read must not see this request accepted.
    const refused = mode === 'refuse'
    const raw = await readBody(req)
    // Chromium sends `navigator.sendBeacon` with a text Blob in `no-cors` mode, and the SDK's
    // fetch path (keepalive included) in `cors` mode. Clients without Sec-Fetch-* headers
    // (curl, Node) are told apart by the beacon's text/plain body instead.
    const isBeacon = fetchMode ? fetchMode === 'no-cors' : /^text\/plain/i.test(contentType ?? '')
    /** @type {RecordedRequest} */
    const record = {
      kind: isBeacon ? 'beacon' : 'fetch',
      method: 'POST',
      path,
      contentType,
      encoding,
      fetchMode,
      bytes: raw.length,
      eventIds: [],
      status: 0,
      at: Date.now(),
    }
    requests.push(record)

    /** @type {Record<string, unknown> | undefined} */
    let body
    /** @type {HttpError | undefined} */
    let failure
    try {
      body = parseBody(raw, typeof encoding === 'string' ? encoding.toLowerCase() : undefined)
      if (Array.isArray(body.events)) {
        record.eventIds = body.events
          .map((event) => /** @type {{ event_id?: unknown }} */ (event)?.event_id)
          .filter((id) => typeof id === 'string')
      }
    } catch (error) {
      failure = error instanceof HttpError ? error : new HttpError(400, String(error))
    }

    for (const id of record.eventIds) {
      const holders = inFlight.get(id) ?? 0
      if (holders > 0) concurrentDuplicates.push(id)
      inFlight.set(id, holders + 1)
    }
    let released = false
    const release = () => {
      if (released) return
      released = true
      for (const id of record.eventIds) {
        const holders = (inFlight.get(id) ?? 1) - 1
        if (holders > 0) inFlight.set(id, holders)
        else inFlight.delete(id)
      }
    }
    // 'close' fires once the response is sent or the socket is gone: the request is no longer
    // in flight either way.
    res.on('close', release)

    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))

    if (refused) {
      release()
      req.socket.destroy()
      return
    }
    if (mode === 'down503') {
      record.status = 503
      res.setHeader('Retry-After', '1')
      sendJson(res, 503, {
        code: 503,
        message: 'dev collector is in down503 mode; retry after 1 s',
        request_id: requestId,
      })
      onBatch?.({ request: record, events: [], debug: isDebug })
      return
    }

    const answer = isDebug ? undefined : scripted.shift()
    if (answer) {
      record.status = answer.status
      if (answer.retryAfter !== undefined) res.setHeader('Retry-After', answer.retryAfter)
      sendJson(res, answer.status, {
        code: answer.status,
        message: `scripted answer ${answer.status}`,
        request_id: requestId,
      })
      onBatch?.({ request: record, events: [], debug: isDebug })
      return
    }

    /** @type {unknown[]} */
    let events = []
    if (!failure && body) {
      try {
        events = checkBody(body)
      } catch (error) {
        failure = error instanceof HttpError ? error : new HttpError(400, String(error))
      }
    }
    if (failure) {
      record.status = failure.status
      say(`${failure.status} ${path} (${record.kind}): ${failure.message}`)
      sendJson(res, failure.status, {
        code: failure.status,
        message: failure.message,
        request_id: requestId,
      })
      onBatch?.({ request: record, events: [], debug: isDebug })
      return
    }

    const started = Date.now()
    const results = events.map((event, index) => {
      const errors = validateEvent(event)
      return { event_index: index, valid: errors.length === 0, errors }
    })
    const accepted = /** @type {TrackEvent[]} */ (
      events.filter((_, index) => results[index]?.valid)
    )
    record.status = 200
    if (isDebug) {
      // §五.3: the debug API validates and reports; nothing is stored.
      sendJson(res, 200, {
        code: 200,
        message: 'success',
        request_id: requestId,
        debug_info: {
          validation_results: results,
          processing_time_ms: Date.now() - started,
          would_be_stored: accepted.length === events.length,
        },
      })
    } else {
      received.push(...accepted)
      const rejected = events.length - accepted.length
      if (rejected > 0) say(`${rejected} invalid event(s) skipped in ${requestId}`)
      sendJson(res, 200, {
        code: 200,
        message: 'success',
        request_id: requestId,
        processed_count: accepted.length,
      })
    }
    onBatch?.({ request: record, events: isDebug ? [] : accepted, debug: isDebug })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((/** @type {unknown} */ error) => {
      say('internal error', error)
      if (!res.headersSent) sendJson(res, 500, { code: 500, message: 'internal error' })
      else res.destroy()
    })
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(undefined))
  })
  const address = server.address()
  const boundPort = typeof address === 'object' && address ? address.port : port
  const url = `http://${host}:${boundPort}`
  say(
    `DEVELOPMENT/TEST collector on ${url} — not the real backend: events stay in memory, ` +
      'nothing is deduplicated or stored.',
  )

  return {
    url,
    port: boundPort,
    received,
    requests,
    concurrentDuplicates,
    setMode: (next) => {
      mode = next
    },
    getMode: () => mode,
    answerNext: (...answers) => {
      scripted.push(...answers)
    },
    setMaxEvents: (max) => {
      maxEvents = max
    },
    holdPreflights: () => {
      releasePreflights()
      /** @type {() => void} */
      let release = () => undefined
      preflightsHeld = new Promise((resolve) => (release = resolve))
      releasePreflights = () => {
        preflightsHeld = undefined
        release()
      }
      return releasePreflights
    },
    close: () =>
      new Promise((resolve) => {
        releasePreflights()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
