// Poison rows on the real ClickHouse engine (chdb): a row the store refuses fails alone, the
// rest of its batch is stored, and neither the other requests grouped with it nor the circuit
// breaker suffer. The poison is real: a lone UTF-16 surrogate in `page` (a title cut in the
// middle of an emoji) passes the tracking plan, but ClickHouse refuses the row
// (CANNOT_PARSE_ESCAPE_SEQUENCE).
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryBus } from '../bus/memoryBus'
import { loadConfig } from '../config'
import { createConsumerHandler } from '../consumer'
import { silentLogger } from '../http/logger'
import { startServer, type RunningServer } from '../startServer'
import { createChdbStore, createHttpStore } from '../store'
import type { AcceptedEvent, BatchHandler, EventStore } from '../types'
import { acceptedEvent, clearEvents } from './fixtures'
import { postSigned } from './signedPost'

const LONE_SURROGATE = '/page-\ud83d'

let dir: string
let store: EventStore

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-poison-'))
  store = createChdbStore(join(dir, 'clickhouse'))
  await store.migrate()
})
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})
beforeEach(() => clearEvents(store))

const view = (overrides: Partial<AcceptedEvent> = {}) =>
  acceptedEvent('page_view', { page_name: 'landing' }, overrides)
const storedIds = async () =>
  (
    await store.query<{ id: string }>('SELECT toString(event_id) AS id FROM events ORDER BY id')
  ).map((row) => row.id)

describe('the consumer handler', () => {
  it('splits a refused batch until the poison rows stand alone, stores the rest, and returns those', async () => {
    const batch = Array.from({ length: 300 }, () => view())
    const poison = [17, 150, 299]
    for (const i of poison) batch[i] = view({ page: LONE_SURROGATE })
    const outcome = await createConsumerHandler(store).handle(batch)
    expect(outcome?.refused.map(({ event, code }) => [batch.indexOf(event), code])).toEqual(
      poison.map((i) => [i, 'store_refused']),
    )
    expect(outcome?.refused[0]?.reason).toMatch(/escape sequence/i)
    const good = batch.filter((_, i) => !poison.includes(i)).map((event) => event.event_id)
    expect(await storedIds()).toEqual(good.sort())
  })

  it('refuses events outside the time window instead of failing the insert (120 months in one batch)', async () => {
    // The batch: timestamps over 120 months made ClickHouse refuse the whole insert
    // ("Too many partitions for single INSERT block") and the consumer retry it for ever.
    const spread = Array.from({ length: 120 }, (_, i) =>
      view({
        timestamp: Date.UTC(2002 + Math.floor(i / 12) * 5, i % 12, 1),
        received_at: Date.now(),
      }),
    )
    const ordinary = Array.from({ length: 50 }, () => view())
    const outcome = await createConsumerHandler(store).handle([...spread, ...ordinary])
    expect(outcome?.refused).toHaveLength(120)
    expect(new Set(outcome?.refused.map((r) => r.code))).toEqual(
      new Set(['timestamp_too_old', 'timestamp_in_future']),
    )
    expect(await storedIds()).toEqual(ordinary.map((event) => event.event_id).sort())
  })

  it('rejects the whole batch, refusing nothing, when the store does not answer', async () => {
    // A real refused connection: nothing listens on port 1.
    const down = createHttpStore('http://127.0.0.1:1')
    try {
      await expect(
        createConsumerHandler(down).handle([view(), view({ page: LONE_SURROGATE })]),
      ).rejects.toThrow(/ECONNREFUSED/)
    } finally {
      await down.close()
    }
  })
})

describe('the embedded bus', () => {
  it('fails a poison row only in the publish that carried it, not in those grouped with it', async () => {
    const handler = createConsumerHandler(store)
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const calls: number[] = []
    // The first call waits, so the next three publishes are grouped into one handler call.
    const gated: BatchHandler = {
      async handle(events) {
        calls.push(events.length)
        if (calls.length === 1) await gate
        return handler.handle(events)
      },
    }
    const bus = createMemoryBus(gated)
    const first = bus.publish([view()])
    const clean = [view(), view()]
    const mixed = [view(), view({ page: LONE_SURROGATE }), view()]
    const other = [view()]
    const results = [bus.publish(clean), bus.publish(mixed), bus.publish(other)]
    release()
    await first
    const [a, b, c] = await Promise.all(results)
    expect(calls).toEqual([1, 6])
    expect(a).toEqual({ refused: [] })
    expect(b?.refused.map((r) => r.event)).toEqual([mixed[1]])
    expect(c).toEqual({ refused: [] })
    expect(await storedIds()).toHaveLength(6)
    await bus.close()
  })
})

describe('the embedded server', () => {
  let server: RunningServer
  let serverDir: string
  beforeAll(async () => {
    // Its own process-wide chdb directory would clash with the store above: reuse that one.
    serverDir = dir
    server = await startServer({
      config: loadConfig({
        TRACKPOINT_DATA_DIR: serverDir,
        PORT: '0',
        TRACKPOINT_ADMIN_TOKEN: 'a',
      }),
      logger: silentLogger,
    })
  })
  afterAll(() => server.close())

  const wire = (page = '/onchain') => ({
    event_id: randomUUID(),
    event_name: 'page_view',
    user_id: 'u1',
    timestamp: Date.now(),
    platform: 'web',
    page,
    session_id: 's1',
    properties: { page_name: 'landing' },
  })
  const send = async (events: unknown[]) => {
    const response = await postSigned(server.url!, events)
    return { status: response.status, json: (await response.json()) as Record<string, unknown> }
  }

  it('answers a bad row in its own request, stores the rest, and keeps the breaker closed', async () => {
    const bad = [wire(), wire(LONE_SURROGATE), wire()]
    const answers = await Promise.all([
      send(bad),
      ...Array.from({ length: 8 }, () => send([wire(), wire()])),
    ])
    expect(answers[0]).toMatchObject({
      status: 200,
      json: {
        processed_count: 2,
        rejected: [{ event_index: 1, errors: [{ code: 'store_refused' }] }],
      },
    })
    for (const answer of answers.slice(1)) {
      expect(answer).toMatchObject({ status: 200, json: { processed_count: 2 } })
    }
    // More bad requests than the breaker's threshold (3): each is answered 400 on its own …
    for (let i = 0; i < 5; i++) {
      const alone = await send([wire(LONE_SURROGATE)])
      expect(alone.status).toBe(400)
      expect(alone.json.rejected).toEqual([
        { event_index: 0, errors: [expect.objectContaining({ code: 'store_refused' })] },
      ])
    }
    // … and the breaker stays closed for everyone.
    expect((await send([wire()])).status).toBe(200)
    const health = await fetch(`${server.url}/api/v1/track/health`)
    expect(health.status).toBe(200)
  })
})
