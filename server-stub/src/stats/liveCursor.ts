import { HttpError } from '../http/httpError'

/**
 * How far before its read time each live answer sets the next poll's cursor, ms. `stored_at` is
 * ClickHouse's clock when an insert starts, but the rows become visible when it ends, so a poll
 * can miss a row whose stored_at is already behind it: two inserts running at once, a long one
 * (a consumer batch of up to a few thousand rows takes well under a second; a store under load
 * a few). Re-reading the last 5 s covers inserts up to 5 s long, at the price of returning each
 * event in the polls of the next 5 s too (clients drop them by event_id); longer would cost
 * more repeats for a slowness that already shows elsewhere (consumer lag in /health).
 */
export const LIVE_REREAD_MS = 5_000

/**
 * A position in the live view's order — the order in which rows became visible in the store:
 * `stored_at` (µs) and the event_id; an answer goes on with the rows after it.
 */
export interface LiveCursor {
  /** stored_at of the position, µs since the epoch. */
  storedAt: number
  /** event_id of the position (ties of stored_at are ordered by event_id). */
  eventId: string
}

/** The lowest event_id: a position before every event of its instant. */
export const NIL_ID = '00000000-0000-0000-0000-000000000000'

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
/** `s<stored_at µs>:<event_id>`, written by {@link writeCursor}. */
const CURSOR = new RegExp(`^s(\\d{1,17}):(${UUID})$`)
/** The cursor of servers before stored_at: `<received_at ms>` or `<received_at ms>:<event_id>`. */
const RECEIVED_CURSOR = new RegExp(`^(\\d{1,15})(?::(${UUID}))?$`)

/**
 * The first instant a cursor may not name, µs: 2200-01-01. A position is a µs count that the
 * query binds as a number, which stays exact only below 2^53 µs (the year 2255), and stored_at
 * (DateTime64(6)) ends with 2299 anyway. A cursor past it was not written by a server; read, it
 * made the query fail (Schemathesis found `since=286005847760132`, a receive time in the year
 * 11033: a 500).
 */
const END_OF_CURSORS_US = Date.UTC(2200, 0, 1) * 1000

/** The pattern of a cursor of either form, for the OpenAPI schema. */
export const CURSOR_PATTERN = `^(s\\d{1,17}:${UUID}|\\d{1,15}(:${UUID})?)$`

/**
 * Reads a cursor written by {@link writeCursor}, or a receive-time cursor of a server before
 * stored_at (a dashboard left open across an upgrade sends one). `<ms>[:<id>]` meant "every
 * event received up to ms was shown, if it was stored"; the answer that wrote it ran after ms.
 * So an event it did not show was received after ms, or stored after that answer — either way
 * stored after `ms - LIVE_REREAD_MS` (stored_at is taken up to that long before a row becomes
 * visible): the position read is that instant. Nothing is skipped; events it had shown and that
 * were stored since come again, and clients drop them by event_id.
 *
 * @throws HttpError 400 when it is neither.
 */
export function readCursor(text: string): LiveCursor {
  const current = CURSOR.exec(text)
  const old = current ? undefined : RECEIVED_CURSOR.exec(text)
  const cursor = current
    ? { storedAt: Number(current[1]), eventId: current[2]! }
    : old && {
        storedAt: Math.max(0, Number(old[1]) - LIVE_REREAD_MS) * 1000,
        eventId: NIL_ID,
      }
  if (!cursor) {
    throw new HttpError(
      400,
      `since must be a cursor of a previous answer, got ${JSON.stringify(text)}`,
    )
  }
  if (cursor.storedAt >= END_OF_CURSORS_US) {
    throw new HttpError(
      400,
      `since is a cursor after the year 2199, which no answer writes; got ${JSON.stringify(text)}`,
    )
  }
  return cursor
}

/** The text of a cursor, for the `since` of the next poll. */
export const writeCursor = (cursor: LiveCursor): string => `s${cursor.storedAt}:${cursor.eventId}`
