import type { EventName, EventProperties } from './eventProperties'

/** The platforms an event may come from (§三 `platform`). */
export const PLATFORMS = ['web', 'ios', 'android'] as const

/** A platform an event may come from (§三 `platform`). */
export type Platform = (typeof PLATFORMS)[number]

/**
 * The fields every event carries on the wire (§三 通用事件属性, §五 `events[]`), with the
 * event's extra fields in `properties`.
 *
 * @typeParam N - The event name; for a name of the plan, `properties` is typed by
 * {@link EventProperties}.
 */
export interface CommonFields<N extends string = string> {
  /**
   * Unique id of this event, a UUID of any version (the SDK makes version 7); kept across
   * retries for dedup.
   */
  event_id: string
  /** The event name, lower_snake_case (§八), e.g. `page_view`. */
  event_name: N
  /** The identified user id, or an anonymous id before the user is known. */
  user_id: string
  /**
   * The device's anonymous id, sent beside `user_id` on every event (also before login, when
   * the two are equal). An event whose `anonymous_id` differs from its `user_id` links the two,
   * so the stats count one person across the login boundary. Absent from older clients.
   */
  anonymous_id?: string
  /** When the event happened, in milliseconds since the Unix epoch (§八: never seconds). */
  timestamp: number
  /** Where the event comes from. */
  platform: Platform
  /** The page path when the event happened, e.g. `/onchain/landing`. */
  page: string
  /** The session the event belongs to. */
  session_id: string
  /**
   * The device clock's error as the SDK measured it: server clock minus device clock, in ms.
   * `timestamp` stays the device's reading; the collector takes `timestamp + clock_offset` as
   * the event's time, so a phone hours off still lands on the right day. Absent means 0 (older
   * clients, or a clock found right).
   */
  clock_offset?: number
  /** The event's extra fields (§三 额外字段). */
  properties: N extends EventName ? EventProperties[N] : Record<string, unknown>
}
