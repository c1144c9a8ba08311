import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { computeSign } from '@trackpoint/core'
import { postJson, sendOnExit } from '../../../packages/core/src/transport'
import type { TrackRequestBody } from '../../../packages/core/src/types'
import { createMemoryBus } from '../bus/memoryBus'
import type { AcceptedEvent } from '../types'
import { signedBody, startHarness, validEvent, type Harness } from './collectorHarness'

let h: Harness
beforeEach(async () => {
  h = await startHarness()
})
afterEach(() => h.close())

describe('POST /api/v1/track', () => {
  it('publishes valid events and answers §五 with processed_count', async () => {
    const events = [validEvent(), validEvent({ user_id: 'u_2' })]
    const { status, json, headers } = await h.post('/api/v1/track', signedBody('app_b', events))
    expect(status).toBe(200)
    expect(json).toEqual({
      code: 200,
      message: 'success',
      request_id: expect.stringMatching(/^req_[\da-f]{16}$/),
      processed_count: 2,
    })
    expect(headers.get('x-request-id')).toBe(json.request_id)
    expect(h.bus.events().map((e) => e.event_id)).toEqual(events.map((e) => e.event_id))
  })

  it('stamps app_id, client_ip, received_at and versions and ignores client-sent ones', async () => {
    const before = Date.now()
    const body = {
      ...signedBody('app_b', [validEvent({ received_at: 1, client_ip: '6.6.6.6', extra: 'x' })]),
      client_ip: '6.6.6.6',
    }
    await h.post('/api/v1/track', body)
    const [event] = h.bus.events() as [AcceptedEvent & { extra?: unknown }]
    expect(event.app_id).toBe('app_b')
    // TRACKPOINT_IP_MODE's default, truncated: the /24 of the peer.
    expect(event.client_ip).toBe('127.0.0.0')
    expect(event.received_at).toBeGreaterThanOrEqual(before)
    expect(event.sdk_version).toBe('0.1.0')
    expect(event.app_version).toBe('2.3.1')
    expect(event.extra).toBeUndefined()
  })

  it('passes anonymous_id on to the bus, and leaves it out when the client sent none', async () => {
    const linked = validEvent({ user_id: 'user_42', anonymous_id: 'anon-1' })
    const old = validEvent()
    const { status } = await h.post('/api/v1/track/batch', signedBody('app_b', [linked, old]))
    expect(status).toBe(200)
    const [first, second] = h.bus.events()
    expect(first).toMatchObject({ user_id: 'user_42', anonymous_id: 'anon-1' })
    expect(second).not.toHaveProperty('anonymous_id')
  })

  it('accepts the valid events of a mixed batch and lists the invalid ones with reasons', async () => {
    const good = [validEvent(), validEvent()]
    const events = [good[0], validEvent({ event_name: 'NotSnake' }), good[1], { nope: 1 }]
    const { status, json } = await h.post('/api/v1/track/batch', signedBody('app_b', events))
    expect(status).toBe(200)
    expect(json.processed_count).toBe(2)
    expect(json.message).toMatch(/accepted 2 event\(s\), rejected 2/)
    const rejected = json.rejected as { event_index: number; errors: { code: string }[] }[]
    expect(rejected.map((r) => r.event_index)).toEqual([1, 3])
    expect(rejected[0]!.errors[0]!.code).toBe('bad_name')
    expect(h.bus.events().map((e) => e.event_id)).toEqual(good.map((e) => e.event_id))
  })

  it('refuses an event nested too deeply without failing its batch', async () => {
    const good = validEvent()
    const deep = '{"d":'.repeat(100_000) + '1' + '}'.repeat(100_000)
    const text = JSON.stringify(signedBody('app_b', [validEvent(), good])).replace(
      '"page_name":"onchain_landing"',
      `"page_name":"x","deep":${deep}`,
    )
    // Gzip: 600 KB of braces inflate from a small body, as an attacker would send them.
    const { status, json } = await h.post('/api/v1/track', text, { gzip: true })
    expect(status).toBe(200)
    expect(json.processed_count).toBe(1)
    expect(JSON.stringify(json.rejected)).toMatch(/more than 16 levels deep/)
    expect(h.bus.events().map((e) => e.event_id)).toEqual([good.event_id])
  })

  it('answers 400 with the reasons when no event is valid, and publishes nothing', async () => {
    const body = signedBody('app_b', [validEvent({ timestamp: 1_700_000_000 })])
    const { status, json } = await h.post('/api/v1/track', body)
    expect(status).toBe(400)
    expect(json.processed_count).toBe(0)
    expect(JSON.stringify(json.rejected)).toMatch(/looks like seconds/)
    expect(h.bus.batches).toHaveLength(0)
  })

  it('accepts a gzip-encoded JSON body', async () => {
    const events = [validEvent()]
    const { status } = await h.post('/api/v1/track', signedBody('app_b', events), { gzip: true })
    expect(status).toBe(200)
    expect(h.bus.events()[0]!.event_id).toBe(events[0]!.event_id)
  })

  it('accepts a text/plain body as sendBeacon sends it', async () => {
    const events = [validEvent()]
    const { status } = await h.post('/api/v1/track', JSON.stringify(signedBody('app_b', events)), {
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    })
    expect(status).toBe(200)
    expect(h.bus.events()).toHaveLength(1)
  })

  it('answers 200 only after the bus acknowledged (memory bus over a slow store)', async () => {
    await h.close()
    const stored: AcceptedEvent[] = []
    const bus = createMemoryBus({
      handle: async (events) => {
        await new Promise((resolve) => setTimeout(resolve, 30))
        stored.push(...events)
      },
    })
    h = await startHarness({ bus })
    const { status } = await h.post('/api/v1/track', signedBody('app_b', [validEvent()]))
    expect(status).toBe(200)
    expect(stored).toHaveLength(1)
  })
})

describe('the real SDK wire format', () => {
  /** The body exactly as packages/core's delivery builds it: signature, meta, events. */
  const sdkBody = (events: unknown[]) => {
    const timestamp = Date.now()
    const signature = {
      app_id: 'app_b',
      timestamp,
      sign: computeSign('app_b', timestamp, 'secret_b'),
    }
    const meta = { sdk_version: 'dev', app_version: '2.3.1' }
    return (
      JSON.stringify({ ...signature, ...meta, events: [] }).slice(0, -2) +
      events.map((e) => JSON.stringify(e)).join(',') +
      ']}'
    )
  }

  it('accepts the gzip fetch of packages/core transport (postJson)', async () => {
    const events = [validEvent(), validEvent({ event_name: 'click', properties: {} })]
    const body = sdkBody(events)
    expect(() => JSON.parse(body) as TrackRequestBody).not.toThrow()
    // postJson gzips only where CompressionStream exists (Node 18+ has it, like browsers).
    expect(typeof CompressionStream).toBe('function')
    const result = await postJson(`${h.url}/api/v1/track`, body, true, 5000)
    expect(result.status).toBe(200)
    expect((result.body as { processed_count: number }).processed_count).toBe(2)
    expect(h.bus.events().map((e) => e.event_id)).toEqual(events.map((e) => e.event_id))
  })

  it('accepts the page-exit send of packages/core transport (text/plain Blob)', async () => {
    const events = [validEvent()]
    expect(sendOnExit(`${h.url}/api/v1/track`, sdkBody(events))).toBe(true)
    await expect.poll(() => h.bus.events().length).toBe(1)
    expect(h.bus.events()[0]!.event_id).toBe(events[0]!.event_id)
  })
})

describe('POST /api/v1/track/debug', () => {
  it('reports per-event validation in §五 shape and publishes nothing', async () => {
    const events = [validEvent(), validEvent({ platform: 'tv' })]
    const { status, json } = await h.post('/api/v1/track/debug', signedBody('app_b', events))
    expect(status).toBe(200)
    expect(json).toMatchObject({ code: 200, message: 'success', request_id: expect.any(String) })
    const info = json.debug_info as Record<string, unknown>
    expect(info).toEqual({
      validation_results: [
        { event_index: 0, valid: true, errors: [] },
        {
          event_index: 1,
          valid: false,
          errors: [expect.objectContaining({ field: 'platform', code: 'invalid_value' })],
        },
      ],
      processing_time_ms: expect.any(Number),
      would_be_stored: false,
    })
    expect(h.bus.batches).toHaveLength(0)
  })

  it('says would_be_stored when every event is valid', async () => {
    const { json } = await h.post('/api/v1/track/debug', signedBody('app_b', [validEvent()]))
    expect((json.debug_info as { would_be_stored: boolean }).would_be_stored).toBe(true)
    expect(h.bus.batches).toHaveLength(0)
  })

  it('still requires a valid signature', async () => {
    const body = signedBody('app_b', [validEvent()], { secret: 'wrong' })
    expect((await h.post('/api/v1/track/debug', body)).status).toBe(401)
  })
})

describe('GET /api/v1/track/health', () => {
  it('answers the §五 shape', async () => {
    const response = await fetch(`${h.url}/api/v1/track/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      status: 'healthy',
      version: '0.1.0',
      kafka_connected: true,
      clickhouse_connected: true,
      uptime_seconds: expect.any(Number),
    })
  })

  it('is degraded when the store is down and unhealthy (503) when the bus is', async () => {
    await h.close()
    h = await startHarness({ storeConnected: () => Promise.reject(new Error('down')) })
    let response = await fetch(`${h.url}/api/v1/track/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'degraded', clickhouse_connected: false })
    h.bus.mode = 'reject'
    response = await fetch(`${h.url}/api/v1/track/health`)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ status: 'unhealthy', kafka_connected: false })
  })
})

describe('GET /metrics and request logs', () => {
  it('counts requests by route and status, events by outcome, and latency', async () => {
    await h.post('/api/v1/track', signedBody('app_b', [validEvent(), validEvent({ page: '' })]))
    await h.post('/api/v1/track', '{oops')
    const response = await fetch(`${h.url}/metrics`)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/)
    const text = await response.text()
    expect(text).toContain(
      'trackpoint_collector_requests_total{route="/api/v1/track",status="200"} 1',
    )
    expect(text).toContain(
      'trackpoint_collector_requests_total{route="/api/v1/track",status="400"} 1',
    )
    expect(text).toContain('trackpoint_collector_events_accepted_total{app_id="app_b"} 1')
    expect(text).toContain('trackpoint_collector_events_rejected_total{reason="missing_field"} 1')
    expect(text).toContain(
      'trackpoint_collector_request_duration_seconds_count{route="/api/v1/track"} 2',
    )
    expect(text).toMatch(/# TYPE trackpoint_collector_request_duration_seconds histogram/)
  })

  it('logs one JSON line per request with the request_id the client saw', async () => {
    const { json } = await h.post('/api/v1/track', signedBody('app_b', [validEvent()]))
    expect(h.logs).toHaveLength(1)
    expect(h.logs[0]).toMatchObject({
      msg: 'request',
      request_id: json.request_id,
      route: '/api/v1/track',
      status: 200,
      app_id: 'app_b',
      accepted: 1,
      rejected: 0,
      ms: expect.any(Number),
    })
  })

  it('puts the same request_id in the header and body of an error', async () => {
    const { json, headers } = await h.post('/api/v1/track', '[]')
    expect(json.request_id).toBe(headers.get('x-request-id'))
    expect(h.logs[0]).toMatchObject({ request_id: json.request_id, status: 400 })
  })

  it('answers 404 for unknown paths and 405 for a wrong method', async () => {
    const missing = await fetch(`${h.url}/api/v2/track`, { method: 'POST' })
    expect(missing.status).toBe(404)
    const wrong = await fetch(`${h.url}/api/v1/track`)
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS')
  })
})
