// The embedded server follows the tracking plan file (issue 16): TRACKPOINT_PLAN at start,
// PUT /api/admin/plan and GET /api/plan, the unplanned policy, and the plan version stored
// with each event — through the real server, its HTTP routes and the ClickHouse engine (chdb).
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../config'
import { silentLogger } from '../http/logger'
import { INSTALLED_PLAN_FILE } from '../plan/startPlanStore'
import { startServer, type RunningServer } from '../startServer'
import { computeSign } from '@trackpoint/core'
import { postSigned } from './signedPost'

const EXAMPLE_PATH = new URL('../../../examples/shared/tracking-plan.json', import.meta.url)
/** The example app's plan (version 2): wallet_connect, and page_view.experiment. */
const examplePlan = JSON.parse(readFileSync(EXAMPLE_PATH, 'utf8')) as {
  version: number
  events: Record<string, { version: number }>
}

let root: string
const running: RunningServer[] = []

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trackpoint-plan-'))
})
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function start(env: Record<string, string> = {}, dataDir?: string) {
  const server = await startServer({
    config: loadConfig({
      TRACKPOINT_DATA_DIR: dataDir ?? join(root, randomUUID()),
      PORT: '0',
      TRACKPOINT_ADMIN_TOKEN: 'admin',
      ...env,
    }),
    logger: silentLogger,
  })
  running.push(server)
  return server
}

async function stop(server: RunningServer) {
  running.splice(running.indexOf(server), 1)
  await server.close()
}

const walletConnect = (user = 'u1') => ({
  event_id: randomUUID(),
  event_name: 'wallet_connect',
  user_id: user,
  timestamp: Date.now(),
  platform: 'web',
  page: '/onchain',
  session_id: 's1',
  properties: { wallet_type: 'metamask', chain_id: 1 },
})

async function track(server: RunningServer, events: unknown[]) {
  const response = await postSigned(server.url!, events)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function putPlan(server: RunningServer, body: unknown, token = 'admin') {
  const response = await fetch(`${server.url}/api/admin/plan`, {
    method: 'PUT',
    headers: {
      'Content-Type': 'application/json',
      ...(token && { Authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function getPlan(server: RunningServer) {
  const response = await fetch(`${server.url}/api/plan`, {
    headers: { Authorization: 'Bearer admin' },
  })
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, unknown> & { events: Record<string, unknown> }
}

/** The stored row of an event: the plan version and unplanned marks it was stored with. */
async function storedRow(server: RunningServer, eventId: string) {
  const rows = await server.store!.query<{ plan_version: number; unplanned: string[] }>(
    'SELECT plan_version, unplanned FROM events FINAL WHERE event_id = {id:UUID}',
    { id: eventId },
  )
  return rows.map((row) => ({ plan_version: Number(row.plan_version), unplanned: row.unplanned }))
}

const metric = async (server: RunningServer, name: string) => {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  )
}

describe('an app event the server plan does not have yet', () => {
  it('is stored and flagged under the default policy, then planned once the new plan is installed', async () => {
    const server = await start()
    const early = walletConnect()
    const answer = await track(server, [early])
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      processed_count: 1,
      unplanned: [{ event_index: 0, errors: [{ code: 'unknown_event', field: 'event_name' }] }],
    })
    expect(await storedRow(server, early.event_id)).toEqual([
      { plan_version: 0, unplanned: ['unknown_event:event_name'] },
    ])
    expect(await metric(server, 'trackpoint_collector_events_unplanned_total')).toBe(1)

    const put = await putPlan(server, { plan: examplePlan, author: 'alice@data' })
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ version: 2, installed_by: 'alice@data' })
    expect(put.body.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'event_added', event: 'wallet_connect' }),
      ]),
    )
    const later = walletConnect()
    const after = await track(server, [later])
    expect(after).toMatchObject({ status: 200, body: { processed_count: 1 } })
    expect(after.body.unplanned).toBeUndefined()
    expect(await storedRow(server, later.event_id)).toEqual([{ plan_version: 2, unplanned: [] }])
    // The first event keeps the version it was validated against.
    expect(await storedRow(server, early.event_id)).toEqual([
      { plan_version: 0, unplanned: ['unknown_event:event_name'] },
    ])
    expect(await metric(server, 'trackpoint_plan_version')).toBe(2)
  })

  it('is reported valid with its unplanned reasons by the debug route, which stores nothing', async () => {
    const server = await start()
    const event = walletConnect()
    const timestamp = Date.now()
    const response = await fetch(`${server.url}/api/v1/track/debug`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        app_id: 'dev_app',
        timestamp,
        sign: computeSign('dev_app', timestamp, 'dev_secret'),
        events: [event],
      }),
    })
    expect(response.status).toBe(200)
    const { debug_info } = (await response.json()) as { debug_info: Record<string, unknown> }
    expect(debug_info).toMatchObject({
      would_be_stored: true,
      validation_results: [
        {
          event_index: 0,
          valid: true,
          errors: [],
          unplanned: [expect.objectContaining({ code: 'unknown_event', field: 'event_name' })],
        },
      ],
    })
    expect(await storedRow(server, event.event_id)).toEqual([])
  })

  it('is stored unmarked under accept, and refused with the reason under reject', async () => {
    const accepting = await start({ TRACKPOINT_UNPLANNED: 'accept' })
    const event = walletConnect()
    expect((await track(accepting, [event])).status).toBe(200)
    expect(await storedRow(accepting, event.event_id)).toEqual([{ plan_version: 0, unplanned: [] }])
    await stop(accepting)

    const rejecting = await start({ TRACKPOINT_UNPLANNED: 'reject' })
    const refused = await track(rejecting, [walletConnect()])
    expect(refused.status).toBe(400)
    expect(refused.body.rejected).toEqual([
      {
        event_index: 0,
        errors: [expect.objectContaining({ code: 'unknown_event', field: 'event_name' })],
      },
    ])
  })

  it('never stores an event the §九 numbers could not count, whatever the policy', async () => {
    for (const policy of ['flag', 'accept']) {
      const server = await start({ TRACKPOINT_UNPLANNED: policy })
      const noDelivery = {
        ...walletConnect(),
        event_name: 'recommend_click',
        properties: { content_type: 'banner' },
      }
      const answer = await track(server, [noDelivery])
      expect(answer.status).toBe(400)
      expect(JSON.stringify(answer.body.rejected)).toMatch(/properties\.delivery_id/)
      expect(await storedRow(server, noDelivery.event_id)).toEqual([])
      await stop(server)
    }
  })
})

describe('PUT /api/admin/plan', () => {
  it('answers 401 without the admin token, and 400 listing the problems of a bad plan', async () => {
    const server = await start()
    expect((await putPlan(server, { plan: examplePlan, author: 'a' }, '')).status).toBe(401)
    expect((await putPlan(server, { plan: examplePlan, author: 'a' }, 'wrong')).status).toBe(401)
    const bad = await putPlan(server, {
      plan: {
        version: 3,
        events: {
          WalletConnect: {
            description: 'x',
            owner: 'o',
            version: 1,
            fields: { password: { type: 'string', description: 'p' } },
          },
        },
      },
      author: 'a',
    })
    expect(bad.status).toBe(400)
    const problems = bad.body.problems as { path: string; message: string }[]
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['events.WalletConnect', 'events.WalletConnect.fields.password']),
    )
    expect((await putPlan(server, { plan: examplePlan })).status).toBe(400) // no author
    expect((await getPlan(server)).version).toBe(0)
  })

  it('answers 409 for a version that is not higher, and for breaking changes unless allowed', async () => {
    const server = await start()
    expect((await putPlan(server, { plan: examplePlan, author: 'a' })).status).toBe(200)
    const same = await putPlan(server, { plan: examplePlan, author: 'b' })
    expect(same).toMatchObject({ status: 409, body: { current_version: 2 } })
    // Version 3 drops wallet_connect: apps still sending it would lose events.
    const dropped = { version: 3, fields: (examplePlan as { fields?: unknown }).fields }
    const breaking = await putPlan(server, { plan: dropped, author: 'b' })
    expect(breaking.status).toBe(409)
    expect(breaking.body.changes).toEqual([
      expect.objectContaining({ kind: 'event_removed', event: 'wallet_connect', breaking: true }),
    ])
    expect((await getPlan(server)).version).toBe(2)
    const allowed = await putPlan(server, { plan: dropped, author: 'b', allow_breaking: true })
    expect(allowed).toMatchObject({ status: 200, body: { version: 3, installed_by: 'b' } })
    const plan = await getPlan(server)
    expect(plan).toMatchObject({ version: 3, installed_by: 'b', unplanned_policy: 'flag' })
    expect(plan.events.wallet_connect).toBeUndefined()
  })
})

describe('the installed plan', () => {
  it('is served by GET /api/plan and kept across a restart on the same data directory', async () => {
    const dataDir = join(root, randomUUID())
    let server = await start({}, dataDir)
    expect(await getPlan(server)).toMatchObject({ version: 0, file: null, installed_by: null })
    expect((await putPlan(server, { plan: examplePlan, author: 'carol' })).status).toBe(200)
    await stop(server)
    server = await start({}, dataDir)
    const plan = await getPlan(server)
    expect(plan).toMatchObject({ version: 2, installed_by: 'carol', file: examplePlan })
    expect(Date.parse(plan.installed_at as string)).toBeGreaterThan(Date.now() - 60_000)
    expect(Object.keys(plan.events)).toEqual(
      expect.arrayContaining(['page_view', 'wallet_connect']),
    )
  })

  it('comes from TRACKPOINT_PLAN at start, and an older file does not undo a newer install', async () => {
    const dataDir = join(root, randomUUID())
    let server = await start({ TRACKPOINT_PLAN: EXAMPLE_PATH.pathname }, dataDir)
    expect(await getPlan(server)).toMatchObject({
      version: 2,
      installed_by: `TRACKPOINT_PLAN ${EXAMPLE_PATH.pathname}`,
    })
    const event = walletConnect()
    expect((await track(server, [event])).status).toBe(200)
    expect(await storedRow(server, event.event_id)).toEqual([{ plan_version: 2, unplanned: [] }])
    const v5 = { ...examplePlan, version: 5 }
    expect((await putPlan(server, { plan: v5, author: 'dave' })).status).toBe(200)
    await stop(server)
    server = await start({ TRACKPOINT_PLAN: EXAMPLE_PATH.pathname }, dataDir)
    expect(await getPlan(server)).toMatchObject({ version: 5, installed_by: 'dave' })
  })

  it('stops the start with a ConfigError listing every error of a TRACKPOINT_PLAN file', async () => {
    const path = join(root, `${randomUUID()}.json`)
    await writeFile(path, JSON.stringify({ version: 0, events: { 'Bad Name': {} } }))
    const starting = start({ TRACKPOINT_PLAN: path })
    await expect(starting).rejects.toThrow(ConfigError)
    await expect(starting).rejects.toThrow(/version[\s\S]*Bad Name/)
    await writeFile(path, '{ not json')
    await expect(start({ TRACKPOINT_PLAN: path })).rejects.toThrow(/not valid JSON/)
    await expect(start({ TRACKPOINT_PLAN: join(root, 'missing.json') })).rejects.toThrow(
      /cannot read/,
    )
  })

  it('reads a YAML plan file', async () => {
    const { stringify } = await import('yaml')
    const path = join(root, `${randomUUID()}.yaml`)
    await writeFile(path, stringify(examplePlan))
    const server = await start({ TRACKPOINT_PLAN: path })
    expect((await getPlan(server)).version).toBe(2)
  })

  it('sets aside a corrupt stored plan, reports it and starts on the built-in plan', async () => {
    const dataDir = join(root, randomUUID())
    let server = await start({}, dataDir)
    expect((await putPlan(server, { plan: examplePlan, author: 'erin' })).status).toBe(200)
    await stop(server)
    const stored = join(dataDir, INSTALLED_PLAN_FILE)
    const text = await readFile(stored, 'utf8')
    await writeFile(stored, text.slice(0, text.length / 2)) // a write cut in half
    server = await start({}, dataDir)
    expect((await getPlan(server)).version).toBe(0)
    expect(
      (await readdir(dataDir)).some((name) => name.startsWith(`${INSTALLED_PLAN_FILE}.corrupt-`)),
    ).toBe(true)
    // Not lost: the app's events are stored as unplanned until the plan is installed again.
    const event = walletConnect()
    expect((await track(server, [event])).status).toBe(200)
    expect(await storedRow(server, event.event_id)).toEqual([
      { plan_version: 0, unplanned: ['unknown_event:event_name'] },
    ])
  })
})
