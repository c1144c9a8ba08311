import { HttpError } from '../http/httpError'
import type { EventStore } from '../types'
import { FILTER_SQL, type StatsFilters } from './statsFilters'

/** A position in the arrival order: `received_at` (ms) and the event_id after which to go on. */
export interface LiveCursor {
  receivedAt: number
  eventId: string
}

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
  /** The clock, ms. @default Date.now() */
  now?: number
}

const NIL_ID = '00000000-0000-0000-0000-000000000000'

/**
 * Reads a cursor written by {@link writeCursor}: `<ms>` or `<ms>:<event_id>`.
 *
 * @throws HttpError 400 when it is neither.
 */
export function readCursor(text: string): LiveCursor {
  const match =
    /^(\d{1,15})(?::([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))?$/.exec(text)
  if (!match) {
    throw new HttpError(
      400,
      `since must be a cursor of a previous answer, got ${JSON.stringify(text)}`,
    )
  }
  return { receivedAt: Number(match[1]), eventId: match[2] ?? NIL_ID }
}

/** The cursor of a position. */
export const writeCursor = (cursor: LiveCursor): string => `${cursor.receivedAt}:${cursor.eventId}`

/**
 * The stored events received in the last 24 h, filtered, in arrival order: after `{since}`
 * (oldest first, so polling never skips one) or the last `{limit}`. (received_at, event_id) is
 * a total order of the rows; a replayed duplicate of an event has its own received_at only if
 * the collector accepted it twice, and is then shown twice, as it arrived twice.
 */
const LIVE_SQL = `
SELECT toString(event_id) AS event_id, toString(event_name) AS event_name, user_id,
  toString(app_id) AS app_id, toString(platform) AS platform, page, session_id,
  toUnixTimestamp64Milli(timestamp) AS ts, toUnixTimestamp64Milli(received_at) AS received,
  toString(sdk_version) AS sdk_version, properties, unplanned
FROM events
WHERE received_at >= fromUnixTimestamp64Milli({day_ago:Int64})
  AND (NOT {after:UInt8}
    OR (received_at, toString(event_id)) > (fromUnixTimestamp64Milli({since:Int64}), {since_id:String}))
  AND ({user_id:String} = '' OR user_id = {user_id:String})
  AND ({event_name:String} = '' OR event_name = {event_name:String})
  AND ${FILTER_SQL}
ORDER BY received_at ${'{order:Identifier}'} , toString(event_id) ${'{order:Identifier}'}
LIMIT {limit:UInt32}`

type Numeric = number | string

/**
 * The live view: the last events as they arrive, each with its validation result (`valid`, or
 * `unplanned` with the reasons it was stored flagged), and the cursor to poll with next.
 */
export async function liveEvents(
  store: EventStore,
  options: LiveEventsOptions,
): Promise<{ events: LiveEvent[]; cursor: string }> {
  const now = options.now ?? Date.now()
  const after = options.since !== undefined
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
    sdk_version: string
    properties: string
    unplanned: string[]
  }>(LIVE_SQL.replaceAll('{order:Identifier}', after ? 'ASC' : 'DESC'), {
    ...options.filters,
    day_ago: now - 86_400_000,
    after: after ? 1 : 0,
    since: options.since?.receivedAt ?? 0,
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
    sdk_version: row.sdk_version,
    properties: parseProperties(row.properties),
    validation: row.unplanned.length
      ? { status: 'unplanned', reasons: row.unplanned }
      : { status: 'valid', reasons: [] },
  }))
  const last = events[events.length - 1]
  const cursor = last
    ? { receivedAt: last.received_at, eventId: last.event_id }
    : (options.since ?? { receivedAt: now - 1, eventId: 'ffffffff-ffff-ffff-ffff-ffffffffffff' })
  return { events, cursor: writeCursor(cursor) }
}

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
