/** What a route answers; the collector adds request_id, CORS and logging around it. */
export interface Answer {
  status: number
  /** The JSON body without `request_id`, which the collector inserts after `code`/`message`. */
  body: Record<string, unknown>
  headers?: Record<string, string>
  /** A text body instead of JSON (`/metrics`). */
  text?: { contentType: string; content: string }
}

/** What one request did, filled in by the route for the log line and the metrics. */
export interface RequestRecord {
  request_id: string
  method: string
  /** The route matched, e.g. `/api/v1/track`; `other` for unknown paths (bounded metric labels). */
  route: string
  app_id?: string
  /** Events in the request once the envelope parsed. */
  events: number
  accepted: number
  rejected: number
  /** Why the request (or its invalid events) was refused, e.g. `bad_sign`. */
  reason?: string
}
