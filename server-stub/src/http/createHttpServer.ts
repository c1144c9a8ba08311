import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify'
import { HttpError } from './httpError'
import type { Logger } from './logger'
import { requestTarget } from './requestTarget'

/** `req_` and 16 hex digits, like §五's example `req_xyz789012345`; Fastify's `request.id`. */
export const newRequestId = (): string => `req_${randomBytes(8).toString('hex')}`

/** The error body of every refusal: `{code, message, ...details}` (§五). */
export function errorBody(error: HttpError): Record<string, unknown> {
  return { code: error.status, message: error.message, ...error.details }
}

/**
 * Turns what Fastify itself refuses (a body it cannot read, a Content-Type it cannot parse)
 * into an {@link HttpError}, so that it gets the same JSON body; anything else stays as is
 * (a 500).
 */
export function asHttpError(error: unknown): unknown {
  if (error instanceof HttpError) return error
  const { statusCode, code, message } = error as Partial<FastifyError>
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return error
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new HttpError(
      400,
      'the Content-Type is not supported; send application/json or text/plain',
      'bad_content_type',
    )
  }
  return new HttpError(statusCode, message ?? 'bad request', code ?? 'rejected')
}

/**
 * Answers an {@link HttpError} as JSON with `Retry-After` when it has one, `Cache-Control:
 * no-store` because every answer is about one request (a cached 200 would hide a later 503).
 */
export function sendError(reply: FastifyReply, error: HttpError, body = errorBody(error)): void {
  if (error.headers) reply.headers(error.headers)
  if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter))
  sendJson(reply, error.status, body)
}

/** Answers `body` as JSON, serialised once here (Fastify adds nothing per route). */
export function sendJson(reply: FastifyReply, status: number, body: unknown): void {
  reply
    .code(status)
    .header('Content-Type', 'application/json; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send(JSON.stringify(body))
}

/**
 * 405 for a method a route does not take, with `Allow` (RFC 9110 §15.5.6). Thrown from a
 * route's `onRequest` hook, so that it comes before the body is read or parsed.
 */
export function methodNotAllowed(path: string, allow: string, message?: string): HttpError {
  return new HttpError(
    405,
    message ?? `use ${allow} on ${path}`,
    'bad_method',
    undefined,
    undefined,
    {
      Allow: allow,
    },
  )
}

/** Marks a request whose target is not a URL; the `onRequest` hook answers it 400. */
const BAD_TARGET = Symbol('badTarget')

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** Where answers of 500 are logged. */
  logger: Logger
}

/**
 * A Fastify instance with what every role's HTTP server needs:
 * - timeouts that keep slow or stalled clients from holding sockets for ever (slowloris);
 *   keep-alive longer than typical load balancers' idle timeout (60 s) avoids races where the
 *   server closes a connection the balancer is about to reuse;
 * - request targets checked before routing: an absolute-form target (`http://x:99999/`, RFC
 *   9112 §3.2.2) is routed by its path, and one that is not a URL (`OPTIONS *`) gets 400, as
 *   malformed percent-encoding (`/50%off`) does;
 * - errors through the framework: an {@link HttpError} is answered `{code, message, …}` with
 *   its status, anything else 500 and logged, so nothing a route throws ends the process;
 * - no logging or body parsing of its own: the roles log one line per request, and each route
 *   module brings its body parser (limits that answer, raw bytes for the collector).
 *
 * Route modules are registered on it as plugins; {@link listenHttp} starts it.
 */
export function createHttpServer({ logger }: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    genReqId: newRequestId,
    requestIdHeader: false,
    requestTimeout: 30_000,
    keepAliveTimeout: 65_000,
    // Requests that come in on open connections during the drain are answered by the routes
    // (health says `draining`), not with Fastify's bare 503.
    return503OnClosing: false,
    // HEAD is not part of the API: it gets 405 like any other method a route does not take.
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true },
    // The parts of the target Fastify finds malformed (percent-encoding) are the client's error.
    frameworkErrors(error, request, reply) {
      const badUrl = error.code === 'FST_ERR_BAD_URL'
      sendError(
        reply,
        new HttpError(
          400,
          badUrl
            ? `the path ${JSON.stringify(String(request.url).slice(0, 200))} has malformed percent-encoding; encode "%" as %25`
            : error.message,
          'bad_target',
        ),
      )
    },
    rewriteUrl(req) {
      const target = req.url ?? '/'
      if (target.startsWith('/')) return target
      try {
        const url = requestTarget(target)
        return url.pathname + url.search
      } catch (error) {
        ;(req as unknown as Record<symbol, unknown>)[BAD_TARGET] = error
        return '/'
      }
    },
  })
  app.server.headersTimeout = 10_000
  // A callback hook, not an async one: it runs on every request, and most pass.
  app.addHook('onRequest', (request, _reply, done) => {
    const bad = (request.raw as unknown as Record<symbol, unknown>)[BAD_TARGET]
    done(bad instanceof Error ? bad : undefined)
  })
  app.setErrorHandler((error, request, reply) => {
    const known = asHttpError(error)
    if (known instanceof HttpError) return sendError(reply, known)
    logger.error({
      msg: 'internal error',
      method: request.method,
      url: String(request.url).slice(0, 200),
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    })
    sendJson(reply, 500, { code: 500, message: 'internal error; retry later' })
  })
  app.setNotFoundHandler((request, reply) => {
    sendJson(reply, 404, { code: 404, message: `No such route ${request.method} ${request.url}` })
  })
  return app
}

/** A server started by {@link listenHttp}. */
export interface ListeningHttp {
  /** The node:http server under Fastify. */
  server: Server
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string
  port: number
  /**
   * Stops accepting connections at once, lets the requests in flight finish (closing each
   * connection once idle), and resolves when every connection closed; after `graceMs` the
   * connections still open are cut.
   * @default graceMs 10000
   */
  close(graceMs?: number): Promise<void>
}

/**
 * Listens on `host:port` (port 0 picks a free one).
 *
 * @default options.host '127.0.0.1'
 */
export async function listenHttp(
  app: FastifyInstance,
  { port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {},
): Promise<ListeningHttp> {
  await app.listen({ port, host })
  const address = app.server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    server: app.server,
    url: `http://${shownHost}:${bound}`,
    port: bound,
    async close(graceMs = 10_000) {
      const server = app.server
      // Keep-alive connections go idle between requests: close each as soon as it is. A
      // connection in the middle of a request is left to finish it and get its answer.
      const sweep = setInterval(() => server.closeIdleConnections(), 50)
      const cut = setTimeout(() => server.closeAllConnections(), graceMs)
      try {
        await app.close()
      } finally {
        clearInterval(sweep)
        clearTimeout(cut)
      }
    },
  }
}
