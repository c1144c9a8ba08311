import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { counterValue } from '../http/metricsRegistry'
import { signedBody, startHarness, validEvent, type Harness } from './collectorHarness'

let h: Harness | undefined
afterEach(() => h?.close())

const start = async (options: Parameters<typeof startHarness>[0] = {}) =>
  (h = await startHarness(options))

const events = (n: number) => Array.from({ length: n }, () => validEvent())

describe('malformed requests (400)', () => {
  it('says where the JSON is broken', async () => {
    const { post, bus } = await start()
    const { status, json } = await post('/api/v1/track', '{"app_id": "app_b", "events": [')
    expect(status).toBe(400)
    expect(json).toMatchObject({
      code: 400,
      message: expect.stringMatching(/^body is not valid JSON/),
    })
    expect(bus.batches).toHaveLength(0)
  })

  it.each([
    ['[1, 2]', /body must be a JSON object/],
    ['{"events": []}', /app_id is required/],
    ['{"app_id": "app_b"}', /events must be a non-empty array/],
    ['{"app_id": "app_b", "events": []}', /events must be a non-empty array/],
    ['{"app_id": "app_b", "events": {}}', /events must be a non-empty array/],
    ['{"app_id": "app_b", "timestamp": "now", "events": [{}]}', /timestamp must be/],
    ['{"app_id": "app_b", "sign": 5, "events": [{}]}', /sign must be the hex string/],
    ['{"app_id": "app_b", "sdk_version": 1, "events": [{}]}', /sdk_version must be a string/],
  ])('refuses %s with a reason', async (body, reason) => {
    const { post } = await start()
    const { status, json } = await post('/api/v1/track', body)
    expect(status).toBe(400)
    expect(json.message).toMatch(reason)
  })

  it('refuses a content type other than JSON or text', async () => {
    const { post } = await start()
    const body = JSON.stringify(signedBody('app_b', events(1)))
    const { status, json } = await post('/api/v1/track', body, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect(status).toBe(400)
    expect(json.message).toMatch(/send application\/json or text\/plain/)
  })

  it('refuses a corrupt gzip body and an unknown encoding', async () => {
    const { post } = await start()
    const corrupt = await post('/api/v1/track', Buffer.from('not gzip at all'), {
      headers: { 'Content-Encoding': 'gzip' },
    })
    expect(corrupt.status).toBe(400)
    expect(corrupt.json.message).toMatch(/not a valid gzip stream/)
    const brotli = await post('/api/v1/track', '{}', { headers: { 'Content-Encoding': 'br' } })
    expect(brotli.status).toBe(400)
    expect(brotli.json.message).toMatch(/send gzip or no encoding/)
  })
})

describe('bodies that never finish', () => {
  it('does not hang on a client that goes away mid-body', async () => {
    const { url, logs, server } = await start()
    const arrived = new Promise((resolve) => server.server.once('request', resolve))
    const req = request(`${url}/api/v1/track`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
    })
    req.on('error', () => undefined)
    req.write('{"app_id": "app_b"')
    await arrived
    req.destroy()
    await expect.poll(() => logs.map((entry) => entry.reason)).toContain('aborted')
  })
})

describe('size limits (413)', () => {
  it('accepts 100 events on /batch and refuses 101, asking to split', async () => {
    const { post, bus } = await start()
    expect((await post('/api/v1/track/batch', signedBody('app_b', events(100)))).status).toBe(200)
    const { status, json } = await post('/api/v1/track/batch', signedBody('app_b', events(101)))
    expect(status).toBe(413)
    expect(json.message).toMatch(/at most 100 events per request; got 101: split the batch/)
    expect(bus.events()).toHaveLength(100)
  })

  it('refuses a wire body over 64 KB, and the client still reads the answer', async () => {
    const { post } = await start()
    const big = signedBody('app_b', [validEvent({ properties: { page_name: 'x'.repeat(70_000) } })])
    const { status, json } = await post('/api/v1/track', big)
    expect(status).toBe(413)
    expect(json.message).toMatch(/over 65536 bytes on the wire/)
  })

  it('refuses a body over the limit sent without Content-Length (chunked)', async () => {
    const { url } = await start()
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/api/v1/track`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      for (let i = 0; i < 10; i++) req.write('x'.repeat(10_000))
      req.end()
    })
    expect(status).toBe(413)
  })

  it.each([
    ['2 MB', 2, false],
    ['20 MB', 20, false],
    ['2 MB gzip', 2, true],
    ['20 MB gzip', 20, true],
  ])(
    'answers a %s body with a 413 the client reads, not a reset',
    async (_, megabytes, gzip) => {
      const { post, url } = await start()
      // Random text: gzip cannot shrink it under the wire limit.
      const text = randomBytes((megabytes * 1024 * 1024 * 3) / 4).toString('base64')
      const body = signedBody('app_b', [validEvent({ properties: { page_name: text } })])
      const { status, json } = await post('/api/v1/track', body, { gzip })
      expect(status).toBe(413)
      expect(json).toMatchObject({ code: 413, message: expect.stringMatching(/over 65536 bytes/) })
      // The same over a raw socket, the body streamed without Content-Length.
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${url}/api/v1/track`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Transfer-Encoding': 'chunked',
            ...(gzip && { 'Content-Encoding': 'gzip' }),
          },
        })
        req.on('response', (res) => {
          let got = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (got += chunk))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: got }))
        })
        req.on('error', reject)
        const payload = gzip ? gzipSync(JSON.stringify(body)) : Buffer.from(JSON.stringify(body))
        for (let at = 0; at < payload.length; at += 256 * 1024) {
          req.write(payload.subarray(at, at + 256 * 1024))
        }
        req.end()
      })
      expect(answer.status).toBe(413)
      expect(JSON.parse(answer.text)).toMatchObject({ code: 413 })
    },
    30_000,
  )

  it('answers 413 at once to a body declared over 64 MiB, then cuts the connection', async () => {
    const { url } = await start()
    const { port } = new URL(url)
    const text = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1')
      let got = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => (got += chunk))
      socket.on('error', () => undefined)
      socket.on('close', () => resolve(got))
      socket.write(
        `POST /api/v1/track HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n{"app_id":`,
      )
    })
    expect(text).toMatch(/^HTTP\/1\.1 413/)
    expect(text).toMatch(/"code":413/)
  })

  it('stops inflating a zip bomb at the decompressed limit', async () => {
    const { post } = await start()
    // 50 MB of zeros gzip to about 50 KB: under the wire limit, far over the inflated one.
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(65_536)
    const { status, json } = await post('/api/v1/track', bomb, {
      headers: { 'Content-Encoding': 'gzip' },
    })
    expect(status).toBe(413)
    expect(json.message).toMatch(/over 1048576 bytes after gunzip/)
  })

  it('accepts a gzip body that inflates to just under the limit', async () => {
    const { post } = await start({ limits: { maxInflatedBytes: 4096 } })
    const body = signedBody('app_b', [validEvent({ properties: { page_name: 'y'.repeat(3000) } })])
    expect((await post('/api/v1/track', body, { gzip: true })).status).toBe(200)
    const over = signedBody('app_b', [validEvent({ properties: { page_name: 'y'.repeat(5000) } })])
    expect((await post('/api/v1/track', over, { gzip: true })).status).toBe(413)
  })
})

describe('rate limits (429)', () => {
  it('limits a noisy app with Retry-After while another app still gets 200', async () => {
    const { post, bus } = await start({ limits: { appEventsPerSecond: 10 } })
    // Burst is twice the rate: 20 events pass, the next request is over.
    expect((await post('/api/v1/track', signedBody('app_a', events(20)))).status).toBe(200)
    const limited = await post('/api/v1/track', signedBody('app_a', events(5)))
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(limited.json.message).toMatch(/app "app_a" is over its rate of 10 events per second/)
    expect((await post('/api/v1/track', signedBody('app_b', events(5)))).status).toBe(200)
    expect(bus.events().filter((e) => e.app_id === 'app_a')).toHaveLength(20)
    expect(bus.events().filter((e) => e.app_id === 'app_b')).toHaveLength(5)
  })

  it('limits requests per client IP', async () => {
    const { post } = await start({ limits: { ipRequestsPerSecond: 2 } })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      statuses.push((await post('/api/v1/track', signedBody('app_b', events(1)))).status)
    }
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200])
    expect(statuses[4]).toBe(429)
  })

  it('does not charge an app for requests that fail authentication', async () => {
    const { post } = await start({ limits: { appEventsPerSecond: 5 } })
    for (let i = 0; i < 3; i++) {
      const forged = signedBody('app_a', events(10), { secret: 'guess' })
      expect((await post('/api/v1/track', forged)).status).toBe(401)
    }
    expect((await post('/api/v1/track', signedBody('app_a', events(10)))).status).toBe(200)
  })
})

describe('storage unavailable and overload (503)', () => {
  it('answers 503 with Retry-After when the bus rejects, and acknowledges nothing', async () => {
    const { post, bus, errors } = await start()
    bus.mode = 'reject'
    const { status, json, headers } = await post('/api/v1/track', signedBody('app_b', events(3)))
    expect(status).toBe(503)
    expect(headers.get('retry-after')).toBe('5')
    expect(json).toMatchObject({ code: 503, message: expect.stringMatching(/did not acknowledge/) })
    expect(json.processed_count).toBeUndefined()
    expect(bus.batches).toHaveLength(0)
    expect(errors[0]).toMatchObject({ msg: 'bus publish failed' })
  })

  it('opens the breaker after repeated bus failures and closes it after a good trial', async () => {
    let clock = Date.now()
    const { post, bus } = await start({
      now: () => clock,
      breaker: { failures: 2, cooldownMs: 10_000 },
    })
    bus.mode = 'reject'
    for (let i = 0; i < 2; i++) {
      expect(
        (await post('/api/v1/track', signedBody('app_b', events(1), { timestamp: clock }))).status,
      ).toBe(503)
    }
    bus.mode = 'ok'
    // Open: refused without calling the bus, Retry-After = the cooldown left.
    const open = await post('/api/v1/track', signedBody('app_b', events(1), { timestamp: clock }))
    expect(open.status).toBe(503)
    expect(open.headers.get('retry-after')).toBe('10')
    expect(bus.batches).toHaveLength(0)
    clock += 10_000
    const trial = await post('/api/v1/track', signedBody('app_b', events(1), { timestamp: clock }))
    expect(trial.status).toBe(200)
    expect(
      (await post('/api/v1/track', signedBody('app_b', events(1), { timestamp: clock }))).status,
    ).toBe(200)
  })

  it('answers 503 when the bus throws instead of rejecting', async () => {
    const { post, bus } = await start()
    bus.publish = () => {
      throw new Error('sync failure')
    }
    const { status } = await post('/api/v1/track', signedBody('app_b', events(1)))
    expect(status).toBe(503)
    expect(await h!.collector.metrics.registry.metrics()).toMatch(/inflight_events 0/)
  })

  it('answers 503 when the bus does not acknowledge in time', async () => {
    const { post, bus } = await start({ limits: { publishTimeoutMs: 50 } })
    bus.mode = 'hold'
    const { status } = await post('/api/v1/track', signedBody('app_b', events(1)))
    expect(status).toBe(503)
    bus.release()
  })

  it('sheds one app whose events pile up while another app still gets 200', async () => {
    // 10 events in flight at most, 5 per app.
    const { post, bus } = await start({ limits: { maxInflightEvents: 10 } })
    bus.mode = 'hold'
    const pending = post('/api/v1/track', signedBody('app_a', events(5)))
    await expect.poll(() => h!.collector.metrics.registry.metrics()).toMatch(/inflight_events 5/)
    const shed = await post('/api/v1/track', signedBody('app_a', events(1)))
    expect(shed.status).toBe(503)
    expect(shed.headers.get('retry-after')).toBe('2')
    expect(shed.json.message).toMatch(/too many events waiting for storage/)
    const other = post('/api/v1/track', signedBody('app_b', events(5)))
    await expect.poll(() => h!.collector.metrics.registry.metrics()).toMatch(/inflight_events 10/)
    bus.release()
    expect((await pending).status).toBe(200)
    expect((await other).status).toBe(200)
    expect(bus.events()).toHaveLength(10)
  })

  it('sheds requests while the event loop lags', async () => {
    let lag = 0
    const { post } = await start({ eventLoopLag: () => lag })
    lag = 2000
    const { status, headers, json } = await post('/api/v1/track', signedBody('app_b', events(1)))
    expect(status).toBe(503)
    expect(headers.get('retry-after')).toBe('2')
    expect(json.message).toMatch(/overloaded/)
    lag = 0
    expect((await post('/api/v1/track', signedBody('app_b', events(1)))).status).toBe(200)
  })
})

describe('internal errors (500)', () => {
  it('answers 500 without internals and logs the details', async () => {
    const { post, errors } = await start({
      eventLoopLag: () => {
        throw new Error('secret detail: /var/lib/thing')
      },
    })
    const { status, json } = await post('/api/v1/track', signedBody('app_b', events(1)))
    expect(status).toBe(500)
    expect(json).toEqual({
      code: 500,
      message: 'internal error; retry later',
      request_id: expect.any(String),
    })
    expect(JSON.stringify(errors)).toMatch(/secret detail/)
  })
})

describe('metrics of refused requests', () => {
  it('counts the events of a refused request under the reason', async () => {
    const { post, collector } = await start()
    await post('/api/v1/track', signedBody('app_b', events(3), { secret: 'bad' }))
    expect(await counterValue(collector.metrics.rejected, { reason: 'bad_sign' })).toBe(3)
    expect(
      await counterValue(collector.metrics.requests, { route: '/api/v1/track', status: '401' }),
    ).toBe(1)
  })
})
