// Shared builders for the server's tests.
import { randomUUID } from 'node:crypto'
import { EVENT_TABLES } from '../store'
import type { AcceptedEvent, EventStore } from '../types'

/** An event as the collector would have accepted it; `overrides` replaces any field. */
export function acceptedEvent(
  event_name: string,
  properties: Record<string, unknown>,
  overrides: Partial<AcceptedEvent> = {},
): AcceptedEvent {
  const timestamp = overrides.timestamp ?? Date.now()
  return {
    event_id: randomUUID(),
    event_name,
    user_id: 'u1',
    timestamp,
    platform: 'web',
    page: '/onchain',
    session_id: 's1',
    properties,
    app_id: 'app',
    client_ip: '127.0.0.1',
    received_at: timestamp + 50,
    sdk_version: '0.1.0',
    app_version: '1.0.0',
    ...overrides,
  }
}

/** Empties the events table and every rollup fed from it, so a test starts from no data. */
export async function clearEvents(store: EventStore): Promise<void> {
  for (const table of EVENT_TABLES) await store.command(`TRUNCATE TABLE ${table}`)
}
