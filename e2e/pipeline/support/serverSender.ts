// Traffic of many users at once from a server-side sender (signed like the SDK), for the
// scenarios about Kafka partitions: the pages of a test are a handful of users, so a handful of
// partitions, while the topic has 8 and a user's events go to one (key user_id). Each event
// sent is recorded in the ledger as tracked; each request is retried on a non-2xx until it is
// acknowledged, as the SDK does, so every event is meant to arrive. Bounded in count and time.
import { randomUUID } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import { computeSign } from '@trackpoint/core'
import type { LedgerEvent } from './expectedStats'
import type { Ledger } from './ledger'

/** Options of {@link sendAsManyUsers}. */
export interface SenderOptions {
  /** Where to POST (the proxy). */
  endpoint: string
  users: number
  batches: number
  batchSize: number
  /** Ms between two batches. */
  everyMs: number
  tag: string
}

/** Sends `batches` batches of `batchSize` events of `users` users; resolves once all were acknowledged. */
export async function sendAsManyUsers(ledger: Ledger, options: SenderOptions): Promise<void> {
  for (let b = 0; b < options.batches; b++) {
    const events: LedgerEvent[] = Array.from({ length: options.batchSize }, (_, i) => {
      const n = b * options.batchSize + i
      return {
        event_id: randomUUID(),
        event_name: 'action_start',
        user_id: `${options.tag}-user-${n % options.users}`,
        timestamp: Date.now(),
        page: '/sender',
        properties: { action_id: `act_${options.tag}_${n % 5}` },
      }
    })
    for (const e of events) ledger.record(e, 'sender')
    const deadline = Date.now() + 60_000
    for (;;) {
      const timestamp = Date.now()
      const status = await fetch(`${options.endpoint}/api/v1/track`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          app_id: 'dev_app',
          timestamp,
          sign: computeSign('dev_app', timestamp, 'dev_secret'),
          sdk_version: 'pipeline-sender',
          events: events.map((e) => ({ ...e, platform: 'web', session_id: 'sender' })),
        }),
        signal: AbortSignal.timeout(15_000),
      }).then(
        (response) => response.status,
        () => 0,
      )
      if (status === 200) break
      if (Date.now() > deadline) throw new Error(`batch ${b} not acknowledged within 60 s`)
      await delay(500)
    }
    await delay(options.everyMs)
  }
}
