// The scaled deployment follows one plan (issue 16): a plan installed through the stats role
// of one process reaches a collector-only process — another OS process, which never touches
// ClickHouse — through the plan topic on a real Kafka broker (KAFKA_BROKERS), within seconds.
// Each run uses a plan topic of its own (TRACKPOINT_PLAN_TOPIC), deleted at the end, so the
// shared broker's `tracking_plan` is left alone. Fails, never skips, when no broker answers.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Admin, Producer, stringSerializers } from '@platformatic/kafka'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config'
import { silentLogger } from '../http/logger'
import { startServer, type RunningServer } from '../startServer'
import { startCli, type CliProcess } from './cliProcess'
import { postSigned } from './signedPost'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const topic = `tracking_plan_test_${randomUUID()}`
const examplePlan = JSON.parse(
  readFileSync(new URL('../../../examples/shared/tracking-plan.json', import.meta.url), 'utf8'),
) as { version: number }

let dataDir: string
let statsProcess: RunningServer
let collectorProcess: CliProcess

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-plan-kafka-'))
  statsProcess = await startServer({
    config: loadConfig({
      PORT: '0',
      KAFKA_BROKERS: brokers,
      TRACKPOINT_PLAN_TOPIC: topic,
      TRACKPOINT_DATA_DIR: dataDir,
      TRACKPOINT_ADMIN_TOKEN: 'admin',
    }),
    roles: ['consumer', 'stats'],
    consumerGroup: `plan-${randomUUID()}`,
    consumerStartAt: 'latest',
    logger: silentLogger,
  })
  collectorProcess = await startCli(
    {
      KAFKA_BROKERS: brokers,
      TRACKPOINT_PLAN_TOPIC: topic,
      TRACKPOINT_UNPLANNED: 'reject',
    },
    ['--roles', 'collector'],
  )
  const deadline = Date.now() + 20_000
  for (;;) {
    const health = (await (
      await fetch(`${collectorProcess.url}/api/v1/track/health`)
    ).json()) as Record<string, unknown>
    if (health.kafka_connected) break
    if (Date.now() > deadline) throw new Error(`No Kafka broker answers at ${brokers}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}, 90_000)

afterAll(async () => {
  collectorProcess?.child.kill('SIGTERM')
  await collectorProcess?.exited
  await statsProcess?.close()
  await rm(dataDir, { recursive: true, force: true })
  const admin = new Admin({ clientId: 'plan-test', bootstrapBrokers: [brokers] })
  try {
    await admin.deleteTopics({ topics: [topic] })
  } finally {
    await admin.close()
  }
}, 60_000)

const walletConnect = () => ({
  event_id: randomUUID(),
  event_name: 'wallet_connect',
  user_id: `plan-${randomUUID()}`,
  timestamp: Date.now(),
  platform: 'web',
  page: '/onchain',
  session_id: 's1',
  properties: { wallet_type: 'okx_wallet' },
})

/** The plan version and unplanned marks an event was stored with, by the other process. */
const storedMarks = async (eventId: string) =>
  (
    await statsProcess.store!.query<{ plan_version: number; unplanned: string[] }>(
      'SELECT plan_version, unplanned FROM events FINAL WHERE event_id = {id:UUID}',
      { id: eventId },
    )
  ).map((row) => ({ plan_version: Number(row.plan_version), unplanned: row.unplanned }))

describe('a plan installed through another process', () => {
  it('is followed by a collector-only process within seconds, and its events carry the version', async () => {
    const before = await postSigned(collectorProcess.url, [walletConnect()])
    expect(before.status).toBe(400)
    expect(JSON.stringify(await before.json())).toMatch(/unknown_event/)

    const installed = Date.now()
    const put = await fetch(`${statsProcess.url}/api/admin/plan`, {
      method: 'PUT',
      headers: { Authorization: 'Bearer admin', 'Content-Type': 'application/json' },
      body: JSON.stringify({ plan: examplePlan, author: 'kafka-test' }),
    })
    expect(put.status, await put.clone().text()).toBe(200)

    // The collector refuses wallet_connect (reject policy) until it follows version 2.
    let event = walletConnect()
    let status = 0
    while (Date.now() - installed < 10_000) {
      event = walletConnect()
      status = (await postSigned(collectorProcess.url, [event])).status
      if (status === 200) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(status).toBe(200)
    const tookMs = Date.now() - installed
    expect(tookMs).toBeLessThan(10_000)
    // How the pick-up times in docs/server.md were read: PLAN_TIMING=1 npx vitest run <this file>.
    if (process.env.PLAN_TIMING) console.log(`plan picked up after ${tookMs} ms`)
    const metrics = await (await fetch(`${collectorProcess.url}/metrics`)).text()
    expect(metrics).toMatch(/^trackpoint_plan_version 2$/m)

    // Through Kafka to the consumer of the other process, stored with the plan's version.
    await expect
      .poll(async () => storedMarks(event.event_id), { timeout: 30_000, interval: 500 })
      .toEqual([{ plan_version: 2, unplanned: [] }])
  }, 60_000)

  it('is in force in a process that starts later, whose unplanned events the consumer stores flagged', async () => {
    // A corrupt record after the plan (another producer, a bad tool): skipped and reported.
    const producer = new Producer({
      clientId: 'plan-test',
      bootstrapBrokers: [brokers],
      serializers: stringSerializers,
    })
    try {
      await producer.send({ messages: [{ topic, key: 'garbage', value: '{"version": 99, "fi' }] })
    } finally {
      await producer.close()
    }
    const late = await startServer({
      config: loadConfig({ PORT: '0', KAFKA_BROKERS: brokers, TRACKPOINT_PLAN_TOPIC: topic }),
      roles: ['collector'],
      logger: silentLogger,
    })
    try {
      // Read from the topic before it serves, past a record that is not a plan.
      expect(late.plan!.current()).toMatchObject({ version: 2, installed_by: 'kafka-test' })
      // An event plan 2 lacks, under the default policy (flag): the consumer of the other
      // process must store it as the collector marked it, not dead-letter it.
      const unplanned = { ...walletConnect(), event_name: 'checkout_start', properties: {} }
      expect((await postSigned(late.url!, [unplanned])).status).toBe(200)
      await expect
        .poll(async () => storedMarks(unplanned.event_id), { timeout: 30_000, interval: 500 })
        .toEqual([{ plan_version: 2, unplanned: ['unknown_event:event_name'] }])
    } finally {
      await late.close()
    }
  }, 60_000)

  it('lets one of two installs of one version through two processes win, the same everywhere', async () => {
    // A second stats process (same data dir: chdb allows several stores on one directory).
    const other = await startServer({
      config: loadConfig({
        PORT: '0',
        KAFKA_BROKERS: brokers,
        TRACKPOINT_PLAN_TOPIC: topic,
        TRACKPOINT_DATA_DIR: dataDir,
        TRACKPOINT_ADMIN_TOKEN: 'admin',
      }),
      roles: ['stats'],
      logger: silentLogger,
    })
    try {
      const v3 = { ...examplePlan, version: 3 }
      const put = (server: RunningServer, author: string) =>
        fetch(`${server.url}/api/admin/plan`, {
          method: 'PUT',
          headers: { Authorization: 'Bearer admin', 'Content-Type': 'application/json' },
          body: JSON.stringify({ plan: v3, author }),
        }).then(async (response) => ({ status: response.status, author }))
      const answers = await Promise.all([put(statsProcess, 'first'), put(other, 'second')])
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409])
      const winner = answers.find((a) => a.status === 200)!.author
      for (const server of [statsProcess, other]) {
        expect(server.plan!.current()).toMatchObject({ version: 3, installed_by: winner })
      }
    } finally {
      await other.close()
    }
  }, 60_000)

  it('answers 409 to an install of a version the topic already has', async () => {
    const again = await fetch(`${statsProcess.url}/api/admin/plan`, {
      method: 'PUT',
      headers: { Authorization: 'Bearer admin', 'Content-Type': 'application/json' },
      body: JSON.stringify({ plan: examplePlan, author: 'second' }),
    })
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ current_version: 3 })
  })
})
