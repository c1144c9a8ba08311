import type { AcceptedEvent } from '../types'

/** A row of the `events` table as inserted (JSONEachRow); derived columns are left to DEFAULTs. */
export type EventRow = {
  event_id: string
  event_name: string
  user_id: string
  /** The device's anonymous id; '' from clients older than issue 14. */
  anonymous_id: string
  /**
   * Epoch milliseconds, the device's reading corrected by `clock_offset`; ClickHouse reads a
   * number into DateTime64(3) as milliseconds.
   */
  timestamp: number
  /** Server clock minus device clock as the SDK measured it, ms; 0 when not sent. */
  clock_offset: number
  app_id: string
  platform: string
  page: string
  session_id: string
  /** `properties` as a JSON object string; queries extract fields with JSONExtract*. */
  properties: string
  client_ip: string
  received_at: number
  sdk_version: string
  app_version: string
  /** The plan version the collector validated the event against; 0 when not stamped. */
  plan_version: number
  /** Why the plan did not cover it (`code:field`); empty for a planned event. */
  unplanned: string[]
}

const MAX_UINT32 = 2 ** 32 - 1

/**
 * Maps an accepted (and validated) event to its `events` row. The same mapping feeds both
 * stores. Missing server fields become empty strings rather than failing the insert: they are
 * descriptive, and the consumer has already validated what the stats depend on.
 */
export function toEventRow(event: AcceptedEvent): EventRow {
  return {
    event_id: event.event_id,
    event_name: event.event_name,
    user_id: event.user_id,
    anonymous_id: typeof event.anonymous_id === 'string' ? event.anonymous_id : '',
    timestamp: event.timestamp,
    clock_offset: event.clock_offset ?? 0,
    app_id: event.app_id ?? '',
    platform: event.platform,
    page: event.page,
    session_id: event.session_id,
    properties: JSON.stringify(event.properties ?? {}),
    client_ip: event.client_ip ?? '',
    received_at: event.received_at ?? event.timestamp,
    sdk_version: event.sdk_version ?? '',
    app_version: event.app_version ?? '',
    // From the bus, where another producer may have written anything: out-of-range or
    // malformed marks are read as absent rather than failing the row.
    plan_version:
      Number.isInteger(event.plan_version) &&
      event.plan_version! >= 0 &&
      event.plan_version! <= MAX_UINT32
        ? event.plan_version!
        : 0,
    unplanned: Array.isArray(event.unplanned)
      ? event.unplanned.filter((reason): reason is string => typeof reason === 'string')
      : [],
  }
}
