/**
 * What came back from the collector. `status` 0 means no answer: a network error, or no
 * answer within the request's deadline.
 */
export interface SendResult {
  status: number
  /** The `Retry-After` header; absent when there was no answer. */
  retryAfter?: string | null
  /** The answer's `Date` header: the server's clock, to sign with when the device's is off. */
  date?: string | null
  /** The parsed JSON answer, when there was one (debug mode reads its validation results). */
  body?: unknown
}

/** Collector paths of §五. */
export const TRACK_PATH = '/api/v1/track'
export const DEBUG_PATH = '/api/v1/track/debug'

/**
 * Largest body the browser lets `sendBeacon` / `fetch({ keepalive })` carry, shared by all
 * such requests in flight from one page (Fetch spec, "inflight keepalive bytes" ≤ 64 KiB).
 */
export const BEACON_BUDGET = 65536

/**
 * POSTs a JSON body, gzip-compressed with the browser's `CompressionStream` where it exists.
 * Never rejects for the network: offline, DNS, CORS, a refused connection, or no complete
 * answer within `timeoutMs` (a collector that accepts the connection and never answers) all
 * resolve status 0, which delivery retries with back-off.
 *
 * Self-contained on purpose: it also runs in the transport worker, whose source is this
 * function's text (see offThreadPost.ts). It may use only globals that workers have.
 */
export async function postJson(
  url: string,
  body: string,
  compress: boolean,
  timeoutMs: number,
): Promise<SendResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  let payload: BodyInit = body
  if (compress && typeof CompressionStream === 'function') {
    payload = await new Response(
      new Response(body).body!.pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer()
    headers['Content-Encoding'] = 'gzip'
  }
  // The deadline covers the answer's body too: a stalled stream would hold the pump as long.
  const abort = new AbortController()
  const deadline = setTimeout(() => abort.abort(), timeoutMs)
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: payload,
      credentials: 'omit',
      signal: abort.signal,
    })
    let parsed: unknown
    try {
      parsed = await response.json()
    } catch {
      // a non-JSON answer (a proxy's error page) still has a status to act on
    }
    const get = (name: string) => response.headers.get(name)
    if (!abort.signal.aborted) {
      return {
        status: response.status,
        retryAfter: get('Retry-After'),
        date: get('Date'),
        body: parsed,
      }
    }
  } catch {
    // no answer: status 0 below
  } finally {
    clearTimeout(deadline)
  }
  return { status: 0 }
}

/**
 * Hands a body to the browser to deliver even if the page is going away: `sendBeacon` with a
 * text/plain Blob (a CORS-safelisted type, so no preflight that an unloading page could not
 * wait for), else `fetch` with `keepalive`. Returns whether the browser accepted it; it is
 * never confirmed, so the caller keeps the events stored.
 */
export function sendOnExit(url: string, body: string): boolean {
  const blob = new Blob([body], { type: 'text/plain;charset=UTF-8' })
  try {
    if (navigator.sendBeacon?.(url, blob)) return true
  } catch {
    // Some browsers throw instead of returning false when over quota; try keepalive.
  }
  try {
    void fetch(url, { method: 'POST', body: blob, keepalive: true, credentials: 'omit' }).catch(
      () => undefined,
    )
    return true
  } catch {
    return false
  }
}
