/**
 * A request the server refuses, with the HTTP status (§五 codes, plus 503) and a message the
 * client developer can act on. Thrown inside a handler and turned into a JSON answer.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError'

  /**
   * @param status - The HTTP status to answer.
   * @param message - What is wrong and how to fix it; sent to the client as is.
   * @param reason - A short slug for metrics and logs, e.g. `bad_sign`.
   * @param retryAfter - Seconds for the `Retry-After` header (429 and 503).
   * @param details - Fields added to the JSON answer beside `code` and `message`, for clients
   *   that act on them (e.g. `server_time` with a `stale_timestamp` 401).
   * @param headers - Headers the answer carries, e.g. `Allow` with a 405.
   */
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string = 'rejected',
    readonly retryAfter?: number,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message)
  }
}
