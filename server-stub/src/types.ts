import type { CommonFields } from '@trackpoint/schema'

/**
 * One event as the collector accepted it: the wire event (§五) plus what the server stamps.
 * This is the message value on the bus (Kafka topic `tracking_events`, key `user_id`).
 *
 * `timestamp` is the event's time as the server takes it: the device's reading plus the SDK's
 * `clock_offset`, which is kept so the device's own reading stays known (timestamp − offset).
 */
export interface AcceptedEvent extends CommonFields {
  app_id: string
  /** Rewritten by the collector from the connection (or a trusted proxy header). */
  client_ip: string
  /** Milliseconds since the epoch when the collector accepted the event. */
  received_at: number
  sdk_version: string
  app_version: string
  /**
   * The version of the tracking plan the collector validated the event against (0: the
   * built-in plan); absent from events of collectors older than plan files, stored as 0.
   */
  plan_version?: number
  /**
   * Why the plan in force did not cover the event, as `code:field` (`unknown_event:event_name`,
   * `invalid_value:properties.wallet_type`), when it was stored under `TRACKPOINT_UNPLANNED=flag`;
   * absent for a planned event.
   */
  unplanned?: string[]
}

/** An accepted event that was not stored, and why; it is not counted. */
export interface RefusedEvent {
  event: AcceptedEvent
  /** A short code: `timestamp_in_future`, `timestamp_too_old` or `store_refused`. */
  code: string
  /** What was wrong, for the dead-letter topic, the logs and the client. */
  reason: string
}

/** What handling (or publishing) a batch did besides storing: the events it refused. */
export interface BatchOutcome {
  /** Events not stored because of their own content (never because the store was down). */
  refused: RefusedEvent[]
}

/**
 * Carries accepted events from the collector to the consumer. `publish` resolves only once
 * the bus holds every event durably (Kafka: acks=all; embedded: the store has them); a
 * rejection makes the collector answer 503 + Retry-After so the SDK keeps and retries them.
 */
export interface EventBus {
  /**
   * Resolves once the bus holds the events; the embedded bus also reports the events the store
   * refused (a bad row fails only itself, never the request grouped with it). Rejects when the
   * bus (or the store behind the embedded bus) cannot take them now.
   */
  publish(events: AcceptedEvent[]): Promise<BatchOutcome | void>
  /** Whether the bus is reachable now (health's `kafka_connected`). */
  connected(): boolean
  close(): Promise<void>
}

/**
 * The consumer side: handles one batch. The bus commits (Kafka offsets) only after `handle`
 * resolved, so a crash in between replays the batch; `handle` must be idempotent.
 */
export interface BatchHandler {
  /**
   * Stores the batch. Resolves with the events it refused for their own content (to be
   * dead-lettered); rejects only when the batch may succeed later (the store is down), so the
   * bus retries it with back-off and never dead-letters it.
   */
  handle(events: AcceptedEvent[]): Promise<BatchOutcome | void>
}

/** The ClickHouse store, embedded (chdb) or a server over HTTP: the same SQL on both. */
export interface EventStore {
  /**
   * Applies migrations; idempotent. `onProgress` hears, while a migration waits for ClickHouse
   * to rewrite stored parts, how many parts are left (each poll).
   */
  migrate(options?: { onProgress?: (partsToDo: number) => void }): Promise<void>
  /** Inserts rows into `table` (JSONEachRow). */
  insert(table: string, rows: Record<string, unknown>[]): Promise<void>
  /** Runs a SELECT with `{name:Type}` query parameters and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>
  /**
   * Runs a statement that returns nothing (DDL, OPTIMIZE, INSERT … SELECT …), with
   * `{name:Type}` query parameters like {@link EventStore.query}.
   */
  command(sql: string, params?: Record<string, unknown>): Promise<void>
  /** Whether the store answers now (health's `clickhouse_connected`). */
  connected(): Promise<boolean>
  close(): Promise<void>
}
