import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { md5, signedBody, startHarness, validEvent, type Harness } from './collectorHarness'

let h: Harness
beforeEach(async () => {
  h = await startHarness()
})
afterEach(() => h.close())

const track = (body: unknown, headers: Record<string, string> = {}) =>
  h.post('/api/v1/track', body, { headers })

describe('signature auth (§五.5)', () => {
  it('refuses an unknown app with 401 and stores nothing', async () => {
    const { status, json } = await track(signedBody('ghost', [validEvent()]))
    expect(status).toBe(401)
    expect(json.message).toMatch(/unknown app_id "ghost"/)
    expect(h.bus.batches).toHaveLength(0)
  })

  it('refuses a wrong sign with 401', async () => {
    const { status, json } = await track(signedBody('app_b', [validEvent()], { secret: 'nope' }))
    expect(status).toBe(401)
    expect(json.message).toMatch(/sign does not match md5\(app_id \+ timestamp \+ secret\)/)
    expect(h.bus.batches).toHaveLength(0)
  })

  it('accepts an upper-case hex sign', async () => {
    const timestamp = Date.now()
    const body = { ...signedBody('app_b', [validEvent()], { timestamp }) }
    body.sign = md5(`app_b${timestamp}secret_b`).toUpperCase()
    expect((await track(body)).status).toBe(200)
  })

  it('refuses a timestamp more than 5 minutes away, either side, and tells the server time', async () => {
    for (const skew of [-301_000, 301_000]) {
      const body = signedBody('app_b', [validEvent()], { timestamp: Date.now() + skew })
      const before = Date.now()
      const { status, json } = await track(body)
      expect(status).toBe(401)
      expect(json.message).toMatch(/from the server clock.*±300 s/)
      // What the SDK reads to sign again with the server's clock.
      expect(json.error).toBe('stale_timestamp')
      expect(json.server_time).toBeGreaterThanOrEqual(before)
      expect(json.server_time).toBeLessThanOrEqual(Date.now())
    }
    expect(h.bus.batches).toHaveLength(0)
  })

  it('accepts a signature 4 minutes old (the SDK reuses beacon signatures)', async () => {
    const body = signedBody('app_b', [validEvent()], { timestamp: Date.now() - 240_000 })
    expect((await track(body)).status).toBe(200)
  })

  it('hints at seconds when the timestamp is in seconds', async () => {
    const body = signedBody('app_b', [validEvent()], { timestamp: Math.floor(Date.now() / 1000) })
    expect((await track(body)).json.message).toMatch(/looks like seconds/)
  })

  it('accepts the old and the new secret while a secret is rotated', async () => {
    const old = signedBody('app_a', [validEvent()], { secret: 'secret_a_old' })
    const fresh = signedBody('app_a', [validEvent()], { secret: 'secret_a_new' })
    expect((await track(old)).status).toBe(200)
    expect((await track(fresh)).status).toBe(200)
    expect(h.bus.events()).toHaveLength(2)
  })

  it('refuses a body without timestamp and sign when there is no Bearer token', async () => {
    const { status, json } = await track({ app_id: 'app_b', events: [validEvent()] })
    expect(status).toBe(401)
    expect(json.message).toMatch(/timestamp and sign are required/)
  })
})

describe('Bearer auth', () => {
  const unsigned = () => ({ app_id: 'app_a', events: [validEvent()] })

  it('accepts Authorization: Bearer <one of the app secrets> without a body signature', async () => {
    for (const secret of ['secret_a_old', 'secret_a_new']) {
      const { status } = await track(unsigned(), { Authorization: `Bearer ${secret}` })
      expect(status).toBe(200)
    }
    expect(h.bus.events()).toHaveLength(2)
  })

  it('refuses a token that is not a secret of the named app', async () => {
    const { status, json } = await track(unsigned(), { Authorization: 'Bearer secret_b' })
    expect(status).toBe(401)
    expect(json.message).toMatch(/not a secret of app "app_a"/)
  })

  it('refuses a non-Bearer Authorization header even when the body is signed', async () => {
    const body = signedBody('app_a', [validEvent()])
    const { status, json } = await track(body, { Authorization: 'Basic Zm9vOmJhcg==' })
    expect(status).toBe(401)
    expect(json.message).toMatch(/Bearer <app secret>/)
  })
})

describe('origins and CORS', () => {
  const preflight = (origin: string) =>
    fetch(`${h.url}/api/v1/track`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, content-encoding',
      },
    })

  it('answers a preflight from an allowed origin with the CORS headers the SDK needs', async () => {
    const response = await preflight('https://a.example')
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://a.example')
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/)
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'Content-Type, Content-Encoding, Authorization',
    )
    expect(response.headers.get('access-control-max-age')).toBe('7200')
    expect(response.headers.get('access-control-expose-headers')).toBe(
      'Retry-After, X-Request-Id, Date',
    )
    expect(response.headers.get('vary')).toBe('Origin')
  })

  it('gives no CORS headers to a preflight from an origin no app allows', async () => {
    await h.close()
    h = await startHarness({
      apps: [{ app_id: 'only', secrets: ['s'], allowed_origins: ['https://a.example'] }],
    })
    const response = await preflight('https://evil.example')
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(response.headers.get('access-control-allow-methods')).toBeNull()
  })

  it('refuses a POST from an origin the app does not allow, and says which', async () => {
    const body = signedBody('app_a', [validEvent()])
    const { status, json, headers } = await track(body, { Origin: 'https://b.example' })
    expect(status).toBe(401)
    expect(json.message).toMatch(/origin https:\/\/b.example may not send for app "app_a"/)
    // Another app allows every origin, so the page may read why it was refused.
    expect(headers.get('access-control-allow-origin')).toBe('https://b.example')
    expect(h.bus.batches).toHaveLength(0)
  })

  it('accepts a POST from an allowed origin and exposes Retry-After, X-Request-Id and Date', async () => {
    const body = signedBody('app_a', [validEvent()])
    const { status, headers } = await track(body, { Origin: 'https://a.example' })
    expect(status).toBe(200)
    expect(headers.get('access-control-allow-origin')).toBe('https://a.example')
    expect(headers.get('access-control-expose-headers')).toBe('Retry-After, X-Request-Id, Date')
  })
})

describe('client IP allow-list', () => {
  it('refuses a client outside the app allow-list', async () => {
    const { status, json } = await track(signedBody('app_ip', [validEvent()]))
    expect(status).toBe(401)
    expect(json.message).toMatch(/client IP 127.0.0.1 may not send for app "app_ip"/)
    expect(h.bus.batches).toHaveLength(0)
  })

  it('accepts a client on the allow-list', async () => {
    expect((await track(signedBody('app_local', [validEvent()]))).status).toBe(200)
  })

  it('ignores X-Forwarded-For unless proxies are trusted', async () => {
    const headers = { 'X-Forwarded-For': '10.1.2.3' }
    expect((await track(signedBody('app_ip', [validEvent()]), headers)).status).toBe(401)

    await h.close()
    h = await startHarness({ trustProxy: 1 })
    // The client claims 1.1.1.1; the trusted proxy appended the peer it saw, 10.1.2.3.
    const forwarded = { 'X-Forwarded-For': '1.1.1.1, 10.1.2.3' }
    expect((await track(signedBody('app_ip', [validEvent()]), forwarded)).status).toBe(200)
    expect(h.bus.events()[0]!.client_ip).toBe('10.1.2.0') // truncated, the default
  })
})
