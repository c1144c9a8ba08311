// Scenario 6 of issue 11: scale-out. Two consumer processes in one group share the 8
// partitions; one is SIGKILLed under traffic and the other takes its partitions; then a third
// joins. No event is lost and none is stored twice.
//
// chdb binds one data directory per process, so here each consumer stores into its own engine
// (in production they share one ClickHouse server or cluster). The accounts are therefore kept
// over the union of the three stores: every tracked event is in at least one; an event in two
// is allowed only when one of them is the killed consumer's (it inserted and died before its
// offset commit, and the partition's new owner inserted it again — a shared ClickHouse
// collapses that replay by event_id: ReplacingMergeTree and FINAL). The stats API is not
// compared here: each process sees only its own store.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { Ledger } from './support/ledger'
import { metricSum, readMetrics } from './support/metrics'
import { readStoreDir, startPipeline, type Pipeline } from './support/pipeline'
import { sendAsManyUsers } from './support/serverSender'
import { startRole, type RoleProcess } from './support/serverProcess'
import { waitUntil } from './support/waitUntil'

let pipeline: Pipeline
const extra: RoleProcess[] = []
const dirs: string[] = []

test.beforeAll(async () => {
  pipeline = await startPipeline({ brokerPort: 39098 })
})
test.afterAll(async () => {
  for (const role of extra) await role.stop().catch(() => undefined)
  await pipeline?.close()
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

const inserts = async (role: RoleProcess) =>
  metricSum(await readMetrics(role.url), 'trackpoint_consumer_insert_seconds_count')
const lag = async (role: RoleProcess) =>
  metricSum(await readMetrics(role.url), 'trackpoint_consumer_lag_messages')

test('two consumers share the partitions; one is SIGKILLed, the other takes over, a third joins', async () => {
  test.setTimeout(300_000)
  const ledger = new Ledger()
  const a = pipeline.consumer
  const dirB = await mkdtemp(join(tmpdir(), 'trackpoint-consumer-b-'))
  const dirC = await mkdtemp(join(tmpdir(), 'trackpoint-consumer-c-'))
  dirs.push(dirB, dirC)
  const start = (name: string, dataDir: string) =>
    startRole({ name, roles: 'consumer', brokers: pipeline.broker.brokers, dataDir })
  const b = await start('consumer-b', dirB)
  extra.push(b)

  const sending = sendAsManyUsers(ledger, {
    endpoint: pipeline.endpoint,
    users: 64,
    batches: 120,
    batchSize: 20,
    everyMs: 150,
    tag: 's6',
  })
  // Both members hold partitions and store: the group split the topic between them.
  await waitUntil(async () => (await inserts(a)) >= 1 && (await inserts(b)) >= 1, {
    timeout: 60_000,
    interval: 250,
    what: 'both consumers to store batches',
  })
  await a.kill()
  const bBefore = await inserts(b)
  // B takes A's partitions once the group notices A is gone (its session times out).
  await waitUntil(async () => (await inserts(b)) > bBefore + 5, {
    timeout: 60_000,
    interval: 250,
    what: 'consumer B to go on storing',
  })
  const c = await start('consumer-c', dirC)
  extra.push(c)
  await waitUntil(async () => (await inserts(c)) >= 1, {
    timeout: 60_000,
    interval: 250,
    what: 'consumer C, which joined, to be given partitions and store',
  })
  await sending
  await waitUntil(
    async () => {
      const [lb, lc] = await Promise.all([lag(b), lag(c)])
      return lb === 0 && lc === 0
    },
    { timeout: 60_000, interval: 500, what: 'B and C to have no lag' },
  )
  expect(await b.stop()).toBe(0)
  expect(await c.stop()).toBe(0)
  const stores = {
    a: await readStoreDir(pipeline.dataDir),
    b: await readStoreDir(dirB),
    c: await readStoreDir(dirC),
  }
  const where = new Map<string, string[]>()
  for (const [name, rows] of Object.entries(stores)) {
    for (const row of rows) {
      where.set(row.event_id, [...(where.get(row.event_id) ?? []), name])
      expect(row.copies, `${row.event_id} in store ${name}`).toBe(1)
    }
  }
  const lost = ledger.events().filter((e) => !where.has(e.event_id))
  const untracked = [...where.keys()].filter((id) => !ledger.tracked.has(id))
  const doubled = [...where].filter(([, names]) => names.length > 1)
  const replays = doubled.filter(([, names]) => names.length === 2 && names.includes('a'))
  console.log(
    `[scale-out] ${JSON.stringify({
      tracked: ledger.tracked.size,
      stored: Object.fromEntries(Object.entries(stores).map(([k, v]) => [k, v.length])),
      replaysOfTheKilledConsumer: replays.length,
    })}`,
  )
  expect(lost.map((e) => e.event_id)).toEqual([])
  expect(untracked).toEqual([])
  expect(doubled.filter((d) => !replays.includes(d))).toEqual([])
  // Every member stored something: the partitions really moved.
  for (const rows of Object.values(stores)) expect(rows.length).toBeGreaterThan(0)
})
