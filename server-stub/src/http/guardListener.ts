import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { HttpError } from './httpError'
import type { Logger } from './logger'
import { sendJson } from './sendJson'

/** A request listener that may be async and may throw. */
export type UnsafeListener = (req: IncomingMessage, res: ServerResponse) => unknown

/**
 * Wraps a listener so that nothing it throws, synchronously or in its promise, can reach the
 * process: an {@link HttpError} is answered with its status and message (the client's fault),
 * anything else with 500 and logged. When the answer had already begun, the connection is
 * closed instead (a half-sent answer cannot be turned into another).
 *
 * Every role's HTTP server goes through this, so that no request ends a process.
 *
 * @param listener - The routes.
 * @param logger - Where 500s are logged.
 */
export function guardListener(listener: UnsafeListener, logger: Logger): RequestListener {
  const answer = (req: IncomingMessage, res: ServerResponse, error: unknown) => {
    if (!(error instanceof HttpError)) {
      logger.error({
        msg: 'internal error',
        method: req.method,
        url: String(req.url).slice(0, 200),
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      })
    }
    if (res.headersSent || res.destroyed) {
      res.destroy()
      return
    }
    const status = error instanceof HttpError ? error.status : 500
    const message = error instanceof HttpError ? error.message : 'internal error; retry later'
    // A body left unread would stall a keep-alive connection; discard it.
    if (!req.readableEnded) req.resume()
    try {
      sendJson(res, status, { code: status, message })
    } catch {
      res.destroy()
    }
  }
  return (req, res) => {
    let result: unknown
    try {
      result = listener(req, res)
    } catch (error) {
      answer(req, res, error)
      return
    }
    if (result instanceof Promise) result.catch((error: unknown) => answer(req, res, error))
  }
}
