import type { EventStore } from '../types'
import { LIVE_REREAD_MS, NIL_ID, type LiveCursor, writeCursor } from './liveCursor'
import { FILTER_SQL, type StatsFilters } from './statsFilters'

/** One event of the live view, with how the plan judged it. */
export interface LiveEvent {
  event_id: string
  event_name: string
  user_id: string
  app_id: string
  platform: string
  page: string
  session_id: string
  timestamp: number
  received_at: number
  /** When the store took the row: ClickHouse's clock as its insert started, ms. */
  stored_at: number
  sdk_version: string
  properties: Record<string, unknown>
  validation: { status: 'valid' | 'unplanned' | 'rejected'; reasons: string[] }
}

/** Options of {@link liveEvents}. */
export interface LiveEventsOptions {
  /** Only events after this position; the last `limit` events when absent. */
  since?: LiveCursor
  limit: number
  userId?: string
  eventName?: string
  filters: StatsFilters
  /** The clock for the 24 h window, ms. @default Date.now() */
  now?: number
  /** How far before its read time an answer sets the next cursor, ms. @default LIVE_REREAD_MS */
  rereadMs?: number
}

/**
 * The events stored in the last 24 h, filtered, in the order they became visible: after
 * `{since}` (oldest first) or the last `{limit}`. (stored_at, event_id) is a total order of the
 * rows; a replayed duplicate of an event is a row of its own until a merge, so it may be shown
 * twice (clients drop repeats by event_id anyway).
 */
const LIVE_SQL = `
SELECT toString(event_id) AS event_id, toString(event_name) AS event_name, user_id,
  toString(app_id) AS app_id, toString(platform) AS platform, page, session_id,
  toUnixTimestamp64Milli(timestamp) AS ts, toUnixTimestamp64Milli(received_at) AS received,
  toUnixTimestamp64Micro(stored_at) AS stored,
  toString(sdk_version) AS sdk_version, properties, unplanned
FROM events
WHERE stored_at >= fromUnixTimestamp64Milli({day_ago:Int64}, 'UTC')
  AND (NOT {after:UInt8}
    OR (stored_at, toString(event_id)) > (fromUnixTimestamp64Micro({since:Int64}, 'UTC'), {since_id:String}))
  AND ({user_id:String} = '' OR user_id = {user_id:String})
  AND ({event_name:String} = '' OR event_name = {event_name:String})
  AND ${FILTER_SQL}
ORDER BY stored_at ${'{order:Identifier}'}, toString(event_id) ${'{order:Identifier}'}
LIMIT {limit:UInt32}`

/** The store's clock, µs: the instant stored_at values are compared with. */
const NOW_SQL = 'SELECT toUnixTimestamp64Micro(now64(6)) AS now'

type Numeric = number | string

/**
 * The live view: the last events as they became visible in the store, each with its validation
 * result (`valid`, or `unplanned` with the reasons it was stored flagged), and the cursor to poll
 * with next. The cursor is set before the rows the answer may not have seen — those after a
 * full page, and those whose insert was still running, stored at most `rereadMs` before the
 * read — so no event is skipped; the price is that the next answers repeat the events stored
 * within that overlap, which clients drop by event_id.
 */
export async function liveEvents(
  store: EventStore,
  options: LiveEventsOptions,
): Promise<{ events: LiveEvent[]; cursor: string }> {
  const now = options.now ?? Date.now()
  const after = options.since !== undefined
  // Read before the rows: every row stored earlier than readAt - reread is visible to the query.
  const [clock] = await store.query<{ now: Numeric }>(NOW_SQL)
  const readAt = Number(clock?.now ?? now * 1000)
  const rows = await store.query<{
    event_id: string
    event_name: string
    user_id: string
    app_id: string
    platform: string
    page: string
    session_id: string
    ts: Numeric
    received: Numeric
    stored: Numeric
    sdk_version: string
    properties: string
    unplanned: string[]
  }>(LIVE_SQL.replaceAll('{order:Identifier}', after ? 'ASC' : 'DESC'), {
    ...options.filters,
    day_ago: now - 86_400_000,
    after: after ? 1 : 0,
    since: options.since?.storedAt ?? 0,
    since_id: options.since?.eventId ?? NIL_ID,
    user_id: options.userId ?? '',
    event_name: options.eventName ?? '',
    limit: options.limit,
  })
  if (!after) rows.reverse()
  const events = rows.map((row): LiveEvent => ({
    event_id: row.event_id,
    event_name: row.event_name,
    user_id: row.user_id,
    app_id: row.app_id,
    platform: row.platform,
    page: row.page,
    session_id: row.session_id,
    timestamp: Number(row.ts),
    received_at: Number(row.received),
    stored_at: Math.floor(Number(row.stored) / 1000),
    sdk_version: row.sdk_version,
    properties: parseProperties(row.properties),
    validation: row.unplanned.length
      ? { status: 'unplanned', reasons: row.unplanned }
      : { status: 'valid', reasons: [] },
  }))
  const settled: LiveCursor = {
    storedAt: readAt - (options.rereadMs ?? LIVE_REREAD_MS) * 1000,
    eventId: NIL_ID,
  }
  const last = rows[rows.length - 1]
  // A full page after `since` may have stopped before rows already visible: go on after its last.
  const cut =
    after && last && rows.length >= options.limit
      ? { storedAt: Number(last.stored), eventId: last.event_id }
      : undefined
  return { events, cursor: writeCursor(cut && before(cut, settled) ? cut : settled) }
}

/** Whether position a comes before position b in the live order. */
const before = (a: LiveCursor, b: LiveCursor): boolean =>
  a.storedAt < b.storedAt || (a.storedAt === b.storedAt && a.eventId < b.eventId)

/** The stored properties JSON; `{}` if a row somehow holds something else. */
function parseProperties(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {}
  } catch {
    return {}
  }
}
