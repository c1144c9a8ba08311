// @vitest-environment jsdom
import 'fake-indexeddb/auto'
import { createHash } from 'node:crypto'
import { HttpResponse } from 'msw'
import { describe, expect, it, vi } from 'vitest'
import { advance, cardIds, cards, collector, errors, makeTracker, settle } from './trackerHarness'

describe('batching', () => {
  it('sends as soon as batchSize events are queued', async () => {
    const tracker = makeTracker({ batchSize: 10 })
    cards(tracker, 9)
    await settle()
    expect(collector.requests).toHaveLength(0)
    cards(tracker, 1, 9)
    await settle()
    expect(collector.requests).toHaveLength(1)
    expect(collector.requests[0]!.body.events).toHaveLength(10)
  })

  it('sends a partial batch once flushInterval has passed', async () => {
    const tracker = makeTracker({ flushInterval: 5000 })
    cards(tracker, 3)
    await settle()
    await advance(4900)
    expect(collector.requests).toHaveLength(0)
    await advance(200)
    await settle()
    expect(cardIds()).toEqual(['card_0', 'card_1', 'card_2'])
  })

  it('keeps every request body within maxBatchBytes', async () => {
    const tracker = makeTracker({
      batchSize: 1000,
      maxBatchBytes: 6000,
      debounceMs: 0,
      rateLimitPerSecond: 1e6,
    })
    for (let i = 0; i < 60; i++)
      tracker.track('card_click', { card_id: `card_${i}`, note: 'x'.repeat(300) } as never)
    await tracker.flush()
    await settle()
    expect(collector.requests.length).toBeGreaterThan(3)
    for (const request of collector.requests) expect(request.jsonBytes).toBeLessThanOrEqual(6000)
    expect(new Set(cardIds()).size).toBe(60)
  })

  it('puts at most maxBatchEvents events in one request', async () => {
    const tracker = makeTracker({ batchSize: 1000, maxBatchEvents: 7, rateLimitPerSecond: 1e6 })
    cards(tracker, 20)
    await tracker.flush()
    expect(collector.requests.map((r) => r.body.events.length)).toEqual([7, 7, 6])
  })

  it('gzips bodies with CompressionStream, and not when compress is false', async () => {
    const gzipped = makeTracker({ compress: true })
    cards(gzipped, 10)
    await gzipped.flush()
    const plain = makeTracker({ compress: false })
    cards(plain, 10)
    await plain.flush()
    const [first, second] = collector.requests
    expect(first!.encoding).toBe('gzip')
    expect(first!.wireBytes).toBeLessThan(first!.jsonBytes)
    expect(second!.encoding).toBeNull()
    expect(second!.wireBytes).toBe(second!.jsonBytes)
  })
})

describe('a burst of calls in one task', () => {
  /** How many card_click events were serialised (JSON.stringify of the event) so far. */
  const serialisedBy = (stringify: { mock: { calls: unknown[][] } }) => () =>
    stringify.mock.calls.filter(
      ([value]) => (value as { event_name?: string } | null)?.event_name === 'card_click',
    ).length

  it('is stored over short tasks, whole segments each, and sends every event once, in order', async () => {
    const tracker = makeTracker({ rateLimitPerSecond: 1e6, batchSize: 100, maxBatchEvents: 50 })
    const stringify = vi.spyOn(JSON, 'stringify')
    const serialised = serialisedBy(stringify)
    cards(tracker, 1000)
    expect(serialised()).toBe(0)
    // A slow device: every clock reading is 3 ms after the one before.
    let now = 0
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (now += 3))
    // One task each, so input and rendering can run in between; each ends on a segment.
    vi.advanceTimersToNextTimer()
    expect(serialised()).toBe(100)
    vi.advanceTimersToNextTimer()
    expect(serialised()).toBe(200)
    clock.mockRestore()
    await tracker.flush()
    expect(serialised()).toBe(1000)
    expect(cardIds()).toEqual(Array.from({ length: 1000 }, (_, i) => `card_${i}`))
    // Batches lined up with the stored segments.
    expect(collector.requests.map((r) => r.body.events.length)).toEqual(Array(20).fill(50))
    stringify.mockRestore()
  })

  it('is stored at once while the page is hidden (its timers may run once a minute)', async () => {
    const tracker = makeTracker({ rateLimitPerSecond: 1e6 })
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden')
    const stringify = vi.spyOn(JSON, 'stringify')
    cards(tracker, 1000)
    vi.advanceTimersToNextTimer()
    expect(serialisedBy(stringify)()).toBe(1000)
    stringify.mockRestore()
    visibility.mockRestore()
    await settle()
    await tracker.flush()
    expect(new Set(cardIds()).size).toBe(1000)
  })
})

describe('wire format', () => {
  it('sends the §五 body with a valid md5 signature and nested properties', async () => {
    const tracker = makeTracker({ appVersion: '2.3.1' })
    tracker.track('recommend_click', { delivery_id: 'd_1', content_type: 'banner' })
    await tracker.flush()
    const { body } = collector.requests[0]!
    const expected = createHash('md5')
      .update(`${body.app_id}${body.timestamp}test_secret`)
      .digest('hex')
    expect(body.sign).toBe(expected)
    expect(body.app_id).toMatch(/^app_\d+$/)
    expect(body.app_version).toBe('2.3.1')
    expect(typeof body.sdk_version).toBe('string')
    const [event] = body.events
    expect(event).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      event_name: 'recommend_click',
      user_id: tracker.userId,
      // Before identify() the anonymous id is the user id, and is sent all the same.
      anonymous_id: tracker.userId,
      timestamp: Date.now(),
      platform: 'web',
      page: location.pathname,
      session_id: tracker.sessionId,
      properties: { delivery_id: 'd_1', content_type: 'banner' },
    })
  })

  it('signs with the sign callback instead of a secret', async () => {
    const sign = vi.fn(async (appId: string, timestamp: number) => `signed:${appId}:${timestamp}`)
    const tracker = makeTracker({ secret: undefined, sign })
    cards(tracker, 1)
    await tracker.flush()
    const { body } = collector.requests[0]!
    expect(body.sign).toBe(`signed:${body.app_id}:${body.timestamp}`)
  })
})

describe('outcomes', () => {
  it('removes events the collector acknowledged', async () => {
    const tracker = makeTracker()
    cards(tracker, 3)
    await tracker.flush()
    await tracker.flush()
    expect(collector.requests).toHaveLength(1)
  })

  it('splits a batch the collector answers 413 to until it fits', async () => {
    const accepted: string[] = []
    collector.respond(({ body }) => {
      if (body.events.length > 3) return new HttpResponse(null, { status: 413 })
      accepted.push(...body.events.map((e) => e.event_id))
      return undefined
    })
    const tracker = makeTracker({ batchSize: 100 })
    cards(tracker, 10)
    await tracker.flush()
    expect(accepted).toHaveLength(10)
    expect(new Set(accepted).size).toBe(10)
  })

  it('drops and reports a single event that is still too large (413)', async () => {
    collector.respond(() => new HttpResponse(null, { status: 413 }))
    const tracker = makeTracker()
    cards(tracker, 1)
    await tracker.flush()
    expect(errors).toEqual([expect.objectContaining({ kind: 'rejected', status: 413, count: 1 })])
    await tracker.flush()
    expect(collector.requests).toHaveLength(1)
  })

  it.each([400, 401])('drops and reports a batch answered %i', async (status) => {
    collector.respond(() => HttpResponse.json({ code: status, message: 'bad' }, { status }))
    const tracker = makeTracker()
    cards(tracker, 4)
    await tracker.flush()
    await tracker.flush()
    expect(collector.requests).toHaveLength(1)
    expect(errors).toEqual([expect.objectContaining({ kind: 'rejected', status, count: 4 })])
  })

  it('waits for Retry-After in seconds after a 429', async () => {
    collector.respond((_, i) =>
      i === 0
        ? new HttpResponse(null, { status: 429, headers: { 'Retry-After': '7' } })
        : undefined,
    )
    const tracker = makeTracker()
    cards(tracker, 2)
    await tracker.flush()
    await advance(6900)
    expect(collector.requests).toHaveLength(1)
    await advance(200)
    await settle()
    expect(collector.requests).toHaveLength(2)
    expect(collector.requests[1]!.body.events.map((e) => e.event_id)).toEqual(
      collector.requests[0]!.body.events.map((e) => e.event_id),
    )
  })

  it('waits for Retry-After as an HTTP date after a 503', async () => {
    collector.respond((_, i) =>
      i === 0
        ? new HttpResponse(null, {
            status: 503,
            headers: { 'Retry-After': new Date(Date.now() + 12_000).toUTCString() },
          })
        : undefined,
    )
    const tracker = makeTracker()
    cards(tracker, 2)
    await tracker.flush()
    await advance(10_000)
    expect(collector.requests).toHaveLength(1)
    await advance(3000)
    await settle()
    expect(collector.requests).toHaveLength(2)
  })

  it.each([
    ['a 500', () => new HttpResponse(null, { status: 500 })],
    ['a network error', () => 'network-error' as const],
  ])('backs off exponentially with jitter after %s, keeping the events', async (_, fail) => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    collector.respond((_, i) => (i < 3 ? fail() : undefined))
    const tracker = makeTracker()
    cards(tracker, 2)
    await tracker.flush()
    const times: number[] = [Date.now()]
    collector.respond((_, i) => {
      times.push(Date.now())
      return i < 3 ? fail() : undefined
    })
    await advance(10_000)
    await settle()
    // random 0.5 of the 1 s, 2 s, 4 s bounds: waits of 500, 1000 and 2000 ms (the clock
    // moves in 100 ms steps, so an attempt is seen up to one step late)
    const waits = times.slice(1).map((t, i) => t - times[i]!)
    expect(waits).toHaveLength(3)
    ;[500, 1000, 2000].forEach((expected, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(expected - 100)
      expect(waits[i]).toBeLessThanOrEqual(expected + 100)
    })
    expect(collector.requests).toHaveLength(4)
    expect(new Set(collector.events.map((e) => e.event_id)).size).toBe(2)
  })

  it('never waits longer than maxRetryDelay', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999)
    collector.respond(() => new HttpResponse(null, { status: 500 }))
    const tracker = makeTracker({ maxRetryDelay: 3000 })
    cards(tracker, 1)
    await tracker.flush()
    const before = collector.requests.length
    await advance(30_000, 100)
    // at most one attempt per 3 s after the bound is reached
    expect(collector.requests.length - before).toBeGreaterThanOrEqual(9)
  })

  it('pauses while offline and resumes on the online event', async () => {
    const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false)
    const tracker = makeTracker()
    cards(tracker, 3)
    await tracker.flush()
    await advance(120_000)
    expect(collector.requests).toHaveLength(0)
    onLine.mockReturnValue(true)
    window.dispatchEvent(new Event('online'))
    await settle()
    expect(cardIds()).toEqual(['card_0', 'card_1', 'card_2'])
  })

  it('gives up on events older than maxEventAge and reports them', async () => {
    collector.respond(() => new HttpResponse(null, { status: 500 }))
    const tracker = makeTracker({ maxEventAge: 10_000, maxRetryDelay: 2000 })
    cards(tracker, 2)
    await tracker.flush()
    await advance(15_000)
    collector.respond(() => undefined)
    const sent = collector.requests.length
    await advance(5_000)
    expect(collector.requests.length).toBe(sent)
    expect(errors).toContainEqual(expect.objectContaining({ kind: 'expired', count: 2 }))
  })
})

describe('persistence', () => {
  it('re-sends stored events from a new tracker instance under the same event_id', async () => {
    collector.respond(() => 'network-error')
    const first = makeTracker({ persist: true, appId: 'persisted_app' })
    cards(first, 3)
    await first.flush()
    await first.shutdown()
    const lost = collector.events.map((e) => e.event_id)
    expect(new Set(lost).size).toBe(3)

    collector.requests.length = 0
    collector.respond(() => undefined)
    const second = makeTracker({ persist: true, appId: 'persisted_app' })
    await settle()
    await second.flush()
    expect(collector.events.map((e) => e.event_id).sort()).toEqual([...lost].sort())
  })

  it('goes on in memory and reports once when IndexedDB fails', async () => {
    const open = vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('blocked', 'SecurityError')
    })
    const tracker = makeTracker({ persist: true })
    cards(tracker, 2)
    await settle()
    await tracker.flush()
    open.mockRestore()
    expect(cardIds()).toEqual(['card_0', 'card_1'])
    expect(errors.filter((e) => e.kind === 'storage')).toHaveLength(1)
  })
})

describe('guards', () => {
  it('scrubs forbidden keys at any depth before events leave the page', async () => {
    const tracker = makeTracker()
    tracker.track('card_click', {
      card_id: 'c',
      password: 'hunter2',
      wallet: { privateKey: '0xabc', address: '0x1' },
      steps: [{ mnemonic: 'a b c', ok: true }],
    } as never)
    await tracker.flush()
    expect(collector.events[0]!.properties).toEqual({
      card_id: 'c',
      wallet: { address: '0x1' },
      steps: [{ ok: true }],
    })
  })

  it('drops events of one name past rateLimitPerSecond and reports them once, with the count', async () => {
    const tracker = makeTracker({ rateLimitPerSecond: 5, rateLimitBurst: 5 })
    cards(tracker, 8)
    tracker.track('page_view', { page_name: 'home' })
    await settle()
    await tracker.flush()
    expect(collector.events.filter((e) => e.event_name === 'card_click')).toHaveLength(5)
    expect(collector.events.filter((e) => e.event_name === 'page_view')).toHaveLength(1)
    expect(errors.filter((e) => e.kind === 'dropped')).toMatchObject([
      { kind: 'dropped', count: 3, message: expect.stringContaining('card_click') },
    ])
  })

  it('sends every impression of a feed of 100 cards shown at once, with the default options', async () => {
    const tracker = makeTracker({ batchSize: 1000 })
    for (let i = 0; i < 100; i++)
      tracker.track('recommend_impression', { delivery_id: `d_${i}`, content_type: 'action' })
    await tracker.flush()
    expect(collector.events).toHaveLength(100)
    expect(errors).toEqual([])
  })

  it('counts identical events within debounceMs once', async () => {
    const tracker = makeTracker()
    tracker.track('navbar_click', { target: 'onchain' })
    tracker.track('navbar_click', { target: 'onchain' })
    tracker.track('navbar_click', { target: 'home' })
    await advance(400)
    tracker.track('navbar_click', { target: 'home' })
    await tracker.flush()
    expect(collector.events.map((e) => e.properties.target)).toEqual(['onchain', 'home', 'home'])
  })

  it('counts identical events with object and array properties within debounceMs once', async () => {
    const tracker = makeTracker()
    const search = () => ({ query: 'eth', filters: { chains: [1, 10] }, at: new Date(0) })
    tracker.track('card_click', search() as never)
    tracker.track('card_click', search() as never)
    tracker.track('card_click', { ...search(), filters: { chains: [1] } } as never)
    await tracker.flush()
    expect(collector.events.map((e) => e.properties.filters)).toEqual([
      { chains: [1, 10] },
      { chains: [1] },
    ])
  })

  it('scrubs forbidden keys from class instances and other objects that are not plain', async () => {
    class Wallet {
      address = '0x1'
      privateKey = '0xabc'
      mnemonic = 'a b c'
    }
    const tracker = makeTracker()
    tracker.track('card_click', new Wallet() as never)
    tracker.track('card_click', {
      card_id: 'c',
      wallet: new Wallet(),
      accounts: [new Wallet()],
    } as never)
    await tracker.flush()
    expect(collector.events.map((e) => e.properties)).toEqual([
      { address: '0x1' },
      { card_id: 'c', wallet: { address: '0x1' }, accounts: [{ address: '0x1' }] },
    ])
  })

  it('sanitises cycles and BigInt instead of failing', async () => {
    const tracker = makeTracker()
    const props: Record<string, unknown> = { card_id: 'c', big: 10n }
    props.self = props
    tracker.track('card_click', props as never)
    await tracker.flush()
    expect(collector.events[0]!.properties).toEqual({ card_id: 'c', big: '10', self: '[Circular]' })
  })

  it('sends nothing for users outside sampleRate, and everything for users inside', async () => {
    const outside = makeTracker({ sampleRate: 0 })
    cards(outside, 3)
    await outside.flush()
    expect(collector.requests).toHaveLength(0)
    const inside = makeTracker({ sampleRate: 1 })
    cards(inside, 3)
    await inside.flush()
    expect(collector.events).toHaveLength(3)
  })

  it('never throws into the app, reporting through onError instead', async () => {
    const tracker = makeTracker({
      plugins: [
        () => {
          throw new Error('plugin bug')
        },
      ],
    })
    expect(() => tracker.track('card_click', { card_id: 'c' })).not.toThrow()
    expect(() => tracker.track(undefined as never, {} as never)).not.toThrow()
    expect(() => tracker.identify('' as string)).not.toThrow()
    expect(errors.map((e) => e.kind)).toEqual(['internal', 'invalid', 'invalid'])
  })

  it('lets plugins enrich or drop events', async () => {
    const tracker = makeTracker({
      plugins: [
        (event) => (event.event_name === 'page_view' ? null : event),
        (event) => ({ ...event, properties: { ...event.properties, build: 'abc' } }),
      ],
    })
    tracker.track('page_view', { page_name: 'home' })
    cards(tracker, 1)
    await tracker.flush()
    expect(collector.events.map((e) => [e.event_name, e.properties.build])).toEqual([
      ['card_click', 'abc'],
    ])
  })
})

describe('identity and session', () => {
  it('uses a persisted anonymous id, then the identified user, and a new one after reset', async () => {
    const tracker = makeTracker()
    const anonymous = tracker.userId
    cards(tracker, 1)
    tracker.identify('user_42')
    cards(tracker, 1, 1)
    const session = tracker.sessionId
    tracker.reset()
    cards(tracker, 1, 2)
    await tracker.flush()
    const [a, b, c] = collector.events.filter((e) => e.event_name === 'card_click')
    expect(a!.user_id).toBe(anonymous)
    expect(b!.user_id).toBe('user_42')
    expect(c!.user_id).not.toBe(anonymous)
    expect(c!.user_id).not.toBe('user_42')
    expect(c!.session_id).not.toBe(session)
    // Every event carries the device's anonymous id; reset() gives a new one.
    expect([a!.anonymous_id, b!.anonymous_id]).toEqual([anonymous, anonymous])
    expect(c!.anonymous_id).toBe(c!.user_id)
  })

  it('sends neither the old user nor the old session from another tab after a reset', async () => {
    // Two tabs of one app: two trackers over the one localStorage. Tab B tracks right after
    // tab A's reset, before a browser would have delivered it the `storage` event.
    const tabA = makeTracker({ appId: 'two_tabs' })
    tabA.identify('user_42')
    const tabB = makeTracker({ appId: 'two_tabs' })
    cards(tabB, 1)
    await tabB.flush()
    const oldSession = tabB.sessionId
    await advance(1000)
    tabA.reset()
    cards(tabB, 1, 1)
    cards(tabA, 1, 2)
    await tabA.flush()
    await tabB.flush()
    const [before, ...after] = collector.events.filter((e) => e.event_name === 'card_click')
    expect(before).toMatchObject({ user_id: 'user_42', session_id: oldSession })
    expect(after.map((e) => e.properties.card_id).sort()).toEqual(['card_1', 'card_2'])
    for (const event of after) {
      expect(event.user_id).toBe(tabA.userId)
      expect(event.anonymous_id).toBe(tabA.userId)
      expect(event.session_id).toBe(tabA.sessionId)
    }
    expect(tabA.userId).not.toBe('user_42')
    expect(tabA.sessionId).not.toBe(oldSession)
  })

  it('starts a new session after 30 minutes without events', async () => {
    const tracker = makeTracker()
    cards(tracker, 1)
    await advance(29 * 60_000)
    cards(tracker, 1, 1)
    await advance(31 * 60_000)
    cards(tracker, 1, 2)
    await tracker.flush()
    const [a, b, c] = collector.events.map((e) => e.session_id)
    expect(a).toBe(b)
    expect(c).not.toBe(b)
  })
})

describe('debug mode', () => {
  it('sends to /api/v1/track/debug and logs each event with its validation result', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined)
    const problem = { field: 'properties.card_id', code: 'missing_field', message: 'required' }
    collector.respond(() =>
      HttpResponse.json({
        code: 200,
        message: 'success',
        debug_info: {
          validation_results: [
            { event_index: 0, valid: true, errors: [] },
            { event_index: 1, valid: false, errors: [problem] },
          ],
        },
      }),
    )
    const tracker = makeTracker({ debug: true })
    cards(tracker, 2)
    await tracker.flush()
    expect(collector.requests[0]!.path).toBe('/api/v1/track/debug')
    const [first, second] = collector.events
    expect(info).toHaveBeenCalledWith('[trackpoint]', `valid: card_click ${first!.event_id}`, [])
    expect(info).toHaveBeenCalledWith('[trackpoint]', `INVALID: card_click ${second!.event_id}`, [
      problem,
    ])
  })
})

describe('page hide', () => {
  it('hands unsent events to sendBeacon within the 64 KB budget and keeps them stored', async () => {
    const bodies: Blob[] = []
    Object.defineProperty(navigator, 'sendBeacon', {
      configurable: true,
      value: vi.fn((_url: string, body: Blob) => (bodies.push(body), true)),
    })
    const tracker = makeTracker({ batchSize: 10_000, rateLimitPerSecond: 1e6, debounceMs: 0 })
    for (let i = 0; i < 300; i++)
      tracker.track('card_click', { card_id: `card_${i}`, pad: 'x'.repeat(400) } as never)
    await settle()
    window.dispatchEvent(new Event('pagehide'))
    const texts = await Promise.all(bodies.map((b) => b.text()))
    const sizes = texts.map((t) => Buffer.byteLength(t))
    expect(bodies.length).toBeGreaterThan(0)
    expect(bodies.every((b) => b.type === 'text/plain;charset=utf-8')).toBe(true)
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(65536)
    for (const size of sizes) expect(size).toBeLessThanOrEqual(51200)
    const beaconed = texts.flatMap((t) =>
      JSON.parse(t).events.map((e: { event_id: string }) => e.event_id),
    )
    expect(beaconed.length).toBeGreaterThan(50)
    expect(beaconed.length).toBeLessThan(300)
    // Once the page is back (here a back/forward-cache restore: the tracker gave the
    // sending-tab lock up on pagehide) it sends what did not fit, not what the beacons carried.
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }))
    await settle()
    await tracker.flush()
    const fetched = collector.events.map((e) => e.event_id)
    expect(fetched.filter((id) => beaconed.includes(id))).toEqual([])
    expect(new Set([...fetched, ...beaconed]).size).toBe(300)
    delete (navigator as { sendBeacon?: unknown }).sendBeacon
  })

  it('spends one budget per page exit when pagehide and visibilitychange both fire', async () => {
    const bodies: Blob[] = []
    Object.defineProperty(navigator, 'sendBeacon', {
      configurable: true,
      value: vi.fn((_url: string, body: Blob) => (bodies.push(body), true)),
    })
    const tracker = makeTracker({ batchSize: 10_000 })
    cards(tracker, 5)
    await settle()
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden')
    document.dispatchEvent(new Event('visibilitychange'))
    window.dispatchEvent(new Event('pagehide'))
    expect(bodies).toHaveLength(1)
    // Restored from the back/forward cache, then hidden again: the new exit beacons what came
    // since, not the same events twice (they stay stored for the next page load).
    visibility.mockReturnValue('visible')
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }))
    await settle()
    cards(tracker, 2, 5)
    await settle()
    visibility.mockReturnValue('hidden')
    document.dispatchEvent(new Event('visibilitychange'))
    expect(bodies).toHaveLength(2)
    const counts = await Promise.all(
      bodies.map(async (b) => JSON.parse(await b.text()).events.length as number),
    )
    expect(counts).toEqual([5, 2])
    delete (navigator as { sendBeacon?: unknown }).sendBeacon
  })
})
