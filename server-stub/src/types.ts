import type { CommonFields } from '@trackpoint/schema'

/**
 * One event as the collector accepted it: the wire event (§五) plus what the server stamps.
 * This is the message value on the bus (Kafka topic `tracking_events`, key `user_id`).
 */
export interface AcceptedEvent extends CommonFields {
  app_id: string
  /** Rewritten by the collector from the connection (or a trusted proxy header). */
  client_ip: string
  /** Milliseconds since the epoch when the collector accepted the event. */
  received_at: number
  sdk_version: string
  app_version: string
}

/**
 * Carries accepted events from the collector to the consumer. `publish` resolves only once
 * the bus holds every event durably (Kafka: acks=all; embedded: the store has them); a
 * rejection makes the collector answer 503 + Retry-After so the SDK keeps and retries them.
 */
export interface EventBus {
  publish(events: AcceptedEvent[]): Promise<void>
  /** Whether the bus is reachable now (health's `kafka_connected`). */
  connected(): boolean
  close(): Promise<void>
}

/**
 * The consumer side: handles one batch. The bus commits (Kafka offsets) only after `handle`
 * resolved, so a crash in between replays the batch; `handle` must be idempotent.
 */
export interface BatchHandler {
  handle(events: AcceptedEvent[]): Promise<void>
}

/** The ClickHouse store, embedded (chdb) or a server over HTTP: the same SQL on both. */
export interface EventStore {
  /** Applies migrations; idempotent. */
  migrate(): Promise<void>
  /** Inserts rows into `table` (JSONEachRow). */
  insert(table: string, rows: Record<string, unknown>[]): Promise<void>
  /** Runs a SELECT with `{name:Type}` query parameters and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>
  /** Runs a statement that returns nothing (DDL, OPTIMIZE …). */
  command(sql: string): Promise<void>
  /** Whether the store answers now (health's `clickhouse_connected`). */
  connected(): Promise<boolean>
  close(): Promise<void>
}
