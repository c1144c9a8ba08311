// Typed entry to scripts/devCollector.mjs for the specs.
//
// The collector is plain ESM JavaScript so that `npm start` runs it without a build. The root
// tsconfig has no `allowJs`, so TypeScript cannot read its JSDoc types (TS7016); these
// interfaces restate them and the module is loaded through a URL TypeScript does not resolve.

/** One event as the collector accepted it (§三 common fields plus properties). */
export interface ReceivedEvent {
  event_id: string
  event_name: string
  user_id: string
  /** The device's anonymous id (issue 14); absent from older clients. */
  anonymous_id?: string
  timestamp: number
  platform: string
  page: string
  session_id: string
  properties?: Record<string, unknown>
}

/** One HTTP request as the collector saw it. */
export interface RecordedRequest {
  /** `beacon` for `navigator.sendBeacon` (Chromium sends it in `no-cors` mode). */
  kind: 'fetch' | 'beacon' | 'preflight'
  method: string
  path: string
  contentType: string | undefined
  encoding: string | undefined
  fetchMode: string | undefined
  /** Raw body length as received, before gunzip. */
  bytes: number
  eventIds: string[]
  /** The status answered; 0 when the socket was destroyed (mode `refuse`). */
  status: number
  at: number
}

/** A scripted answer to one POST: its status and, when given, a `Retry-After` header. */
export interface ScriptedAnswer {
  status: number
  retryAfter?: string
}

export type CollectorMode = 'up' | 'down503' | 'refuse'

export interface CollectorOptions {
  port?: number
  apps?: { app_id: string; secrets: string[] }[]
  delayMs?: number
  log?: boolean
}

export interface Collector {
  url: string
  port: number
  /** Every accepted event in order, duplicates included. */
  received: ReceivedEvent[]
  requests: RecordedRequest[]
  /** event_ids that were in two in-flight requests at the same time. */
  concurrentDuplicates: string[]
  setMode(mode: CollectorMode): void
  getMode(): CollectorMode
  /** Answers the next POSTs of events with these, one each, in order (events not accepted). */
  answerNext(...answers: ScriptedAnswer[]): void
  /** Events allowed in one request; a request of more is answered 413. Default 100. */
  setMaxEvents(max: number): void
  /**
   * Leaves CORS preflights unanswered until the returned function is called: the request
   * behind one has started in the browser but is not on the wire.
   */
  holdPreflights(): () => void
  close(): Promise<void>
}

interface CollectorModule {
  startCollector(options?: CollectorOptions): Promise<Collector>
}

const modulePath: string = new URL('../../scripts/devCollector.mjs', import.meta.url).href

/** Starts the development/test collector on a free 127.0.0.1 port. */
export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  const module = (await import(modulePath)) as CollectorModule
  return module.startCollector(options)
}
