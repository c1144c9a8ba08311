// DELETE /api/admin/users/{user_id} (issue 14) on the embedded server (real HTTP, chdb): the
// person's rows leave the events, the identity links, the rollup and the overview snapshots;
// the numbers drop to what the other people make; the audit never holds the ids in clear.
import { createHmac, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config'
import { createConsumerHandler } from '../consumer'
import { silentLogger } from '../http/logger'
import { startServer, type RunningServer } from '../startServer'
import type { AcceptedEvent } from '../types'
import { acceptedEvent } from './fixtures'
import { postSigned } from './signedPost'

const DAY = 86_400_000
const today = Math.floor(Date.now() / DAY) * DAY
const yesterday = today - DAY
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

let dataDir: string
let server: RunningServer

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-erasure-'))
  server = await startServer({
    config: loadConfig({
      TRACKPOINT_DATA_DIR: dataDir,
      PORT: '0',
      TRACKPOINT_ADMIN_TOKEN: 'admin',
      TRACKPOINT_ERASURE_SALT: 'pepper',
    }),
    logger: silentLogger,
  })
})
afterAll(async () => {
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
})

const call = async (method: string, path: string, token = 'admin') => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const view = (user_id: string, anonymous_id: string | undefined, timestamp: number, page: string) =>
  acceptedEvent(
    'page_view',
    { page_name: page },
    { user_id, timestamp, page, ...(anonymous_id && { anonymous_id }) },
  )
const impression = (user_id: string, anonymous_id: string | undefined, timestamp: number) =>
  acceptedEvent(
    'recommend_impression',
    { delivery_id: 'd1', content_type: 'card' },
    { user_id, timestamp, ...(anonymous_id && { anonymous_id }) },
  )

/** Every row of a table as JSON text, to look for an id in any column. */
const dump = async (table: string) =>
  JSON.stringify(await server.store!.query(`SELECT * FROM ${table}`))

describe('erasing a person', () => {
  it('removes their rows everywhere, drops the numbers, audits without the id, and is idempotent', async () => {
    const store = server.store!
    const handler = createConsumerHandler(store)
    // The person: an anonymous visit yesterday, a login, then visits as user_p yesterday and today.
    const person: AcceptedEvent[] = [
      view('anon-p', 'anon-p', yesterday + 1_000, '/onchain'),
      impression('anon-p', 'anon-p', yesterday + 2_000),
      acceptedEvent(
        'user_identify',
        {},
        {
          user_id: 'user_p',
          anonymous_id: 'anon-p',
          timestamp: yesterday + 3_000,
        },
      ),
      view('user_p', 'anon-p', yesterday + 4_000, '/rewards'),
      view('user_p', 'anon-p', today + 1_000, '/onchain'),
    ]
    // Others: one also on anon-p's device later without reset() (their own events, kept).
    const others: AcceptedEvent[] = [
      view('user_q', 'anon-q', yesterday + 5_000, '/onchain'),
      impression('user_q', 'anon-q', yesterday + 6_000),
      view('anon-r', 'anon-r', today + 2_000, '/onchain'),
      view('user_s', 'anon-p', yesterday + 7_000, '/profile'),
    ]
    await handler.handle([...person, ...others])
    await handler.handle(person.slice(0, 2)) // a replayed batch: two more stored copies
    const range = `from=${dayOf(yesterday)}&to=${dayOf(today)}`

    // Answers computed, snapshot built and remembered before the erasure.
    const before = await call('GET', `/api/stats/overview?${range}`)
    // anon-p and user_p are one person.
    expect(before.body).toMatchObject({ pv: 6, uv: 4 })
    expect((await call('GET', `/api/stats/delivery/d1?${range}`)).body.viewed_users).toBe(2)
    const [snapshots] = await store.query<{ n: number }>(
      'SELECT count() AS n FROM overview_snapshots',
    )
    expect(Number(snapshots?.n)).toBeGreaterThan(0)

    expect((await call('DELETE', '/api/admin/users/user_p', '')).status).toBe(401)
    const erased = await call('DELETE', '/api/admin/users/user_p')
    expect(erased.status).toBe(200)
    const hash = createHmac('sha256', 'pepper').update('user_p').digest('hex')
    expect(erased.body).toMatchObject({
      code: 200,
      anonymous_ids: 1,
      rows_removed: person.length + 2,
      subject_hash: hash,
    })

    // No row names the person any more; the others' rows are all there.
    for (const table of ['events', 'identity_links', 'page_views_daily', 'overview_snapshots']) {
      const rows = await dump(table)
      expect(rows, table).not.toContain('user_p')
      if (table !== 'events') expect(rows, table).not.toContain('anon-p')
    }
    const [left] = await store.query<{ n: number }>('SELECT count() AS n FROM events')
    expect(Number(left?.n)).toBe(others.length)

    // The numbers are those of the others: overview (snapshot, live day, rollup) and delivery.
    const after = await call('GET', `/api/stats/overview?${range}`)
    expect(after.body).toMatchObject({
      pv: 3,
      uv: 3,
      daily_stats: [
        { date: dayOf(yesterday), pv: 2, uv: 2 },
        { date: dayOf(today), pv: 1, uv: 1 },
      ],
    })
    const delivery = await call('GET', `/api/stats/delivery/d1?${range}`)
    expect(delivery.body.viewed_users).toBe(1)
    // The rollup was rebuilt exactly: its states agree with the remaining events.
    const rollup = await store.query<{ day: string; pv: number; uv: number }>(
      `SELECT toString(event_date) AS day, uniqExactMerge(views) AS pv, uniqExactMerge(viewers) AS uv
       FROM page_views_daily GROUP BY event_date ORDER BY event_date`,
    )
    expect(rollup.map((r) => [r.day, Number(r.pv), Number(r.uv)])).toEqual([
      [dayOf(yesterday), 2, 2],
      [dayOf(today), 1, 1],
    ])

    // The audit: who and how many, the salted hash, never an id in clear.
    const audit = await dump('erasures')
    expect(audit).toContain(hash)
    expect(audit).toMatch(/admin_token:[0-9a-f]{12}/)
    expect(audit).not.toContain('user_p')
    expect(audit).not.toContain('anon-p')
    expect(audit).not.toContain('"admin"')

    // Again: nothing left to remove, the numbers unchanged, the request audited too.
    const again = await call('DELETE', '/api/admin/users/user_p')
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ rows_removed: 0, anonymous_ids: 0, subject_hash: hash })
    expect((await call('GET', `/api/stats/overview?${range}`)).body).toEqual(after.body)
    const [audits] = await store.query<{ n: number }>('SELECT count() AS n FROM erasures')
    expect(Number(audits?.n)).toBe(2)
  }, 60_000)

  it('counts one person through the collector: anonymous impression, login, click', async () => {
    const now = Date.now()
    const wire = (name: string, user_id: string, offset: number) => ({
      event_id: randomUUID(),
      event_name: name,
      user_id,
      anonymous_id: 'anon-wire',
      timestamp: now - 60_000 + offset,
      platform: 'web',
      page: '/onchain',
      session_id: 's1',
      properties: name === 'user_identify' ? {} : { delivery_id: 'd-wire', content_type: 'card' },
    })
    // Two requests, as the SDK sends them: before the login, then after it.
    expect(
      (await postSigned(server.url!, [wire('recommend_impression', 'anon-wire', 0)])).status,
    ).toBe(200)
    const after = [
      wire('user_identify', 'user_wire', 1_000),
      wire('recommend_impression', 'user_wire', 2_000),
      wire('recommend_click', 'user_wire', 3_000),
    ]
    expect((await postSigned(server.url!, after)).status).toBe(200)
    const stats = await call('GET', '/api/stats/delivery/d-wire')
    expect(stats.body).toMatchObject({ viewed_users: 1, clicked_users: 1, click_rate: 1 })
    expect((stats.body.daily_stats as { views: number }[]).reduce((n, d) => n + d.views, 0)).toBe(1)
  })

  it('answers 405 with Allow: DELETE for another method', async () => {
    const response = await fetch(`${server.url}/api/admin/users/someone`, {
      headers: { Authorization: 'Bearer admin' },
    })
    await response.arrayBuffer()
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('DELETE')
  })
})
