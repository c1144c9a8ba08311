import { readToken } from '../state/session'

/** A refusal or failure of the stats API, with the status the UI shows (401, 403, 5xx, 0). */
export class StatsError extends Error {
  constructor(
    /** The HTTP status; 0 when the request did not get an answer. */
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'StatsError'
  }
}

/** Query parameters; undefined and empty values are left out. */
export type QueryParams = Record<string, string | number | undefined>

/** `path?params` with the empty parameters left out, the key of a cached answer too. */
export function statsUrl(path: string, params: QueryParams = {}): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value))
  }
  const query = search.toString()
  return query ? `${path}?${query}` : path
}

/** Requests give up after this long: a stats answer that takes longer is shown as an error. */
const TIMEOUT_MS = 20_000

/**
 * Calls the stats API of the server that serves the dashboard, with the token of the session
 * as Bearer, and returns the JSON answer.
 *
 * @throws StatsError with the server's message on a refusal, status 0 when there is no answer.
 */
export async function statsRequest<T>(
  url: string,
  init: { method?: 'GET' | 'PUT' | 'POST' | 'DELETE'; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const signals = [AbortSignal.timeout(TIMEOUT_MS), ...(init.signal ? [init.signal] : [])]
  let response: Response
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${readToken() ?? ''}`,
        ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.any(signals),
    })
  } catch (error) {
    if (init.signal?.aborted) throw error
    throw new StatsError(0, error instanceof Error ? error.message : String(error))
  }
  const text = await response.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  if (!response.ok) {
    const message = (body as { message?: unknown } | undefined)?.message
    throw new StatsError(
      response.status,
      typeof message === 'string' ? message : text.slice(0, 200),
    )
  }
  return body as T
}

/** Answers asked for before a view asked (see {@link prefetch}), by URL; each is used once. */
const prefetched = new Map<string, Promise<unknown>>()

/**
 * Starts a GET of `url` now, for a view that will ask for it soon: the first view's numbers are
 * requested while the token's role is still being checked instead of after it.
 */
export function prefetch(url: string): void {
  const answer = statsRequest(url)
  // A failure is reported to the view that takes the answer, not here.
  answer.catch(() => undefined)
  prefetched.set(url, answer)
}

/** The prefetched answer of `url`, once, or undefined. */
export function takePrefetched<T>(url: string): Promise<T> | undefined {
  const answer = prefetched.get(url)
  prefetched.delete(url)
  return answer as Promise<T> | undefined
}
