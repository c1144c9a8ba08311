import type { ServerResponse } from 'node:http'

/**
 * Answers with a JSON body. `Cache-Control: no-store` because every answer is about one
 * request (a cached 200 would hide a later 503 from the SDK).
 *
 * @param res - The response; nothing must have been written yet.
 * @param status - The HTTP status.
 * @param body - Serialised with `JSON.stringify`.
 * @param headers - Extra headers, e.g. `Retry-After`.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  })
  res.end(text)
}
