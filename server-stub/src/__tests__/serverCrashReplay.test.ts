// A consumer that dies after its ClickHouse insert and before its Kafka commit: the group hands
// the batch to the next member, which inserts it again — and no number changes, because the
// events table is idempotent on event_id and the stats never count a row twice. Real broker
// (KAFKA_BROKERS), real ClickHouse engine (chdb).
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKafkaBus, type KafkaEventBus } from '../bus/kafkaBus'
import { createKafkaConsumer, type KafkaConsumer } from '../bus/kafkaConsumer'
import { createConsumerHandler } from '../consumer'
import { silentLogger } from '../http/logger'
import { deliveryStats } from '../stats/queries'
import { createChdbStore } from '../store'
import type { AcceptedEvent, EventStore } from '../types'
import { acceptedEvent } from './fixtures'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
let dataDir: string
let store: EventStore
let bus: KafkaEventBus
const consumers: KafkaConsumer[] = []

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-replay-'))
  store = createChdbStore(dataDir)
  await store.migrate()
  bus = createKafkaBus({ brokers, logger: silentLogger })
}, 30_000)

afterAll(async () => {
  await Promise.all(consumers.map((consumer) => consumer.stop({ abandon: true })))
  await bus?.close()
  await store?.close()
  await rm(dataDir, { recursive: true, force: true })
}, 60_000)

const accepted = (name: string, user: string, delivery: string): AcceptedEvent =>
  acceptedEvent(name, { delivery_id: delivery, content_type: 'banner' }, { user_id: user })

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('a consumer killed between insert and commit', () => {
  it('is replaced by one that stores the batch again, and no count changes', async () => {
    const delivery = `replay-${randomUUID()}`
    const events = [
      ...Array.from({ length: 30 }, (_, i) => accepted('recommend_impression', `u${i}`, delivery)),
      ...Array.from({ length: 10 }, (_, i) => accepted('recommend_click', `u${i}`, delivery)),
    ]
    const mine = new Set(events.map((event) => event.event_id))
    const handler = createConsumerHandler(store)
    const group = `replay-${randomUUID()}`

    let handledMine = 0
    let replayedMine = 0
    let crashing: Promise<void> | undefined
    const first: KafkaConsumer = createKafkaConsumer({
      brokers,
      groupId: group,
      logger: silentLogger,
      handler: {
        async handle(batch) {
          await handler.handle(batch) // stored in ClickHouse …
          const ours = batch.filter((event) => mine.has(event.event_id)).length
          handledMine += ours
          // … and the process dies before the offsets are committed.
          if (ours) crashing ??= first.stop({ abandon: true })
        },
      },
    })
    consumers.push(first)
    await first.ready()
    await bus.publish(events)
    await until(() => crashing !== undefined, 30_000, 'the first consumer stored our batch')
    await crashing
    const stored = await deliveryStats(store, delivery)
    expect(stored).toMatchObject({ viewed_users: 30, clicked_users: 10 })

    const second = createKafkaConsumer({
      brokers,
      groupId: group,
      logger: silentLogger,
      handler: {
        async handle(batch) {
          await handler.handle(batch)
          replayedMine += batch.filter((event) => mine.has(event.event_id)).length
        },
      },
    })
    consumers.push(second)
    await until(() => replayedMine >= handledMine, 30_000, 'the replacement replayed the batch')
    expect(replayedMine).toBeGreaterThan(0)
    expect(await deliveryStats(store, delivery)).toEqual(stored)
    const views = stored.daily_stats.reduce((n, day) => n + day.views, 0)
    const clicks = stored.daily_stats.reduce((n, day) => n + day.clicks, 0)
    expect({ views, clicks }).toEqual({ views: 30, clicks: 10 })
  }, 90_000)
})
