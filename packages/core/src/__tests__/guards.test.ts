// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createDebouncer,
  createDropReport,
  createRateLimiter,
  createScrubber,
  toJson,
} from '../guards'
import { DEFAULTS } from '../options'

describe('createScrubber', () => {
  const scrub = createScrubber((key) => /password|secret/i.test(key))

  it('removes forbidden keys at the top level', () => {
    expect(scrub({ user: 'ada', password: 'hunter2', plan: 'pro' })).toEqual({
      user: 'ada',
      plan: 'pro',
    })
  })

  it('removes forbidden keys in nested objects and in objects inside arrays', () => {
    const props = {
      wallet: { chain: 'eth', secretKey: '0xabc', inner: { Password: 'x', ok: 1 } },
      accounts: [{ id: 1, password: 'a' }, [{ id: 2, secret: 'b' }], 'plain'],
    }
    expect(scrub(props)).toEqual({
      wallet: { chain: 'eth', inner: { ok: 1 } },
      accounts: [{ id: 1 }, [{ id: 2 }], 'plain'],
    })
  })

  it('returns a copy that later mutation of the input does not change', () => {
    const props = { list: [{ n: 1 }], nested: { a: 1 }, top: 'x' }
    const copy = scrub(props)
    props.list[0]!.n = 99
    props.list.push({ n: 2 })
    props.nested.a = 99
    props.top = 'changed'
    expect(copy).toEqual({ list: [{ n: 1 }], nested: { a: 1 }, top: 'x' })
  })

  it('scrubs objects created with a null prototype', () => {
    const props = Object.assign(Object.create(null) as Record<string, unknown>, {
      password: 'x',
      ok: true,
    })
    expect(scrub({ props })).toEqual({ props: { ok: true } })
  })

  it('writes "[Circular]" for a reference back to an ancestor instead of recursing forever', () => {
    const cyclic: Record<string, unknown> = { name: 'loop', password: 'x' }
    cyclic.self = cyclic
    cyclic.list = [cyclic]
    expect(scrub(cyclic)).toEqual({ name: 'loop', self: '[Circular]', list: ['[Circular]'] })
  })

  it('copies an object referenced twice without a cycle in both places', () => {
    const shared = { id: 7, secret: 's' }
    expect(scrub({ a: shared, b: [shared], c: { d: shared } })).toEqual({
      a: { id: 7 },
      b: [{ id: 7 }],
      c: { d: { id: 7 } },
    })
  })

  it('asks the predicate once per key name', () => {
    const forbidden = vi.fn((key: string) => key === 'password')
    const scrubOnce = createScrubber(forbidden)
    scrubOnce({ a: 1, password: 'x' })
    scrubOnce({ a: 2, password: 'y', nested: { a: 3 } })
    expect(forbidden.mock.calls.map(([key]) => key).sort()).toEqual(['a', 'nested', 'password'])
  })
})

describe('createScrubber: values that are not plain objects', () => {
  const scrub = createScrubber((key) => /password|secret|private.?key|mnemonic/i.test(key))

  class Wallet {
    address = '0x1'
    privateKey = '0xabc'
    mnemonic = 'a b c'
    chain = { id: 1, secretKey: 's' }
    sign() {
      return 'signed'
    }
  }

  it('scrubs a class instance like a plain object, at the top and at any depth', () => {
    const expected = { address: '0x1', chain: { id: 1 } }
    expect(scrub(new Wallet() as never)).toEqual(expected)
    expect(Object.getPrototypeOf(scrub(new Wallet() as never))).toBe(Object.prototype)
    expect(scrub({ list: [{ wallet: new Wallet() }] })).toEqual({ list: [{ wallet: expected }] })
    expect(toJson(scrub({ wallet: new Wallet() }))).not.toMatch(/0xabc|a b c|"s"/)
  })

  it('scrubs what toJSON returns, and copies it once: a Date becomes its ISO string', () => {
    const when = new Date(0)
    const copy = scrub({
      when,
      invalid: new Date(NaN),
      custom: { toJSON: () => ({ id: 7, password: 'x' }) },
      url: new URL('https://example.com/a?b=1'),
    })
    when.setTime(1000)
    expect(copy).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      invalid: null,
      custom: { id: 7 },
      url: 'https://example.com/a?b=1',
    })
  })

  it('sends a Map, a Set and an Error as JSON does: their enumerable fields, scrubbed', () => {
    const error = Object.assign(new TypeError('boom'), {
      code: 42,
      config: { password: 'x', url: '/a' },
    })
    const copy = scrub({
      map: new Map([['password', 'x']]),
      set: new Set([{ mnemonic: 'm' }]),
      error,
    })
    expect(copy).toEqual({ map: {}, set: {}, error: { code: 42, config: { url: '/a' } } })
    expect(JSON.stringify({ map: new Map(), set: new Set(), error: new Error('e') })).toBe(
      '{"map":{},"set":{},"error":{}}',
    )
  })

  it('writes "[Binary]" for binary data, which could hold key material under any name', () => {
    const bytes = new Uint8Array([1, 2, 3])
    expect(
      scrub({
        bytes,
        buffer: bytes.buffer,
        view: new DataView(bytes.buffer),
        floats: new Float64Array(2),
      }),
    ).toEqual({ bytes: '[Binary]', buffer: '[Binary]', view: '[Binary]', floats: '[Binary]' })
  })

  it('writes "[Node NAME]" for a DOM node instead of walking the document', () => {
    const button = document.createElement('button')
    Object.assign(button, { __reactProps: { password: 'x' } })
    expect(scrub({ target: button, text: document.createTextNode('t'), doc: document })).toEqual({
      target: '[Node BUTTON]',
      text: '[Node #text]',
      doc: '[Node #document]',
    })
  })

  it('writes "[Unreadable]" for a getter, toJSON or proxy that throws, and keeps the rest', () => {
    const boom = () => {
      throw new Error('no')
    }
    const revocable = Proxy.revocable({}, {})
    revocable.revoke()
    const props = {
      ok: 1,
      get bad(): number {
        return boom()
      },
      json: { toJSON: boom },
      proxy: revocable.proxy,
      trap: new Proxy({}, { ownKeys: boom }),
    }
    expect(scrub(props)).toEqual({
      ok: 1,
      bad: '[Unreadable]',
      json: '[Unreadable]',
      proxy: '[Unreadable]',
      trap: '[Unreadable]',
    })
  })

  it('leaves functions and symbols for JSON to leave out, and a BigInt for toJson', () => {
    const copy = scrub({ f: () => 1, s: Symbol('s'), big: 2n, n: 1 })
    expect(copy).toMatchObject({ big: 2n, n: 1 })
    expect(toJson(copy)).toBe('{"big":"2","n":1}')
  })
})

describe('createRateLimiter', () => {
  it('passes a burst of `burst` events of one name in the same millisecond, then drops', () => {
    const allow = createRateLimiter(100, 1000)
    let passed = 0
    for (let i = 0; i < 1001; i++) if (allow('recommend_impression', 0)) passed++
    expect(passed).toBe(1000)
  })

  it('with the defaults, passes feeds of 100 and 500 cards shown in the same millisecond', () => {
    const allow = createRateLimiter(DEFAULTS.rateLimitPerSecond, DEFAULTS.rateLimitBurst)
    const feed = (count: number, now: number) =>
      Array.from({ length: count }, () => allow('recommend_impression', now)).filter(Boolean).length
    expect(feed(100, 0)).toBe(100)
    expect(feed(500, 5_000)).toBe(500)
  })

  it('stops a runaway loop: of 10,000 calls in one second, burst + perSecond pass', () => {
    const allow = createRateLimiter(100, 1000)
    let passed = 0
    for (let i = 0; i < 10_000; i++) if (allow('scroll', Math.floor(i / 10))) passed++
    // 1,000 from the full bucket, then one token every 10 ms for 999 ms.
    expect(passed).toBe(1099)
  })

  it('refills perSecond tokens a second, never above burst', () => {
    const allow = createRateLimiter(100, 5)
    expect(Array.from({ length: 6 }, () => allow('scroll', 0))).toEqual([
      ...Array<boolean>(5).fill(true),
      false,
    ])
    expect(allow('scroll', 9)).toBe(false)
    expect(allow('scroll', 10)).toBe(true)
    expect(allow('scroll', 10)).toBe(false)
    const anHourLater = 3_600_000
    expect(Array.from({ length: 6 }, () => allow('scroll', anHourLater))).toEqual([
      ...Array<boolean>(5).fill(true),
      false,
    ])
  })

  it('keeps rateLimitPerSecond as the sustained rate of an app that sets a small one', () => {
    const allow = createRateLimiter(5, 5)
    let passed = 0
    for (let now = 0; now < 10_000; now += 10) if (allow('mouse_move', now)) passed++
    // 5 from the full bucket, then one token every 200 ms for the remaining 9.99 s.
    expect(passed).toBe(54)
  })

  it('counts each event name in its own bucket', () => {
    const allow = createRateLimiter(1, 1)
    expect(allow('scroll', 0)).toBe(true)
    expect(allow('scroll', 1)).toBe(false)
    expect(allow('click', 2)).toBe(true)
    expect(allow('click', 3)).toBe(false)
    expect(allow('scroll', 1000)).toBe(true)
  })

  it('takes a clock that went back as no time passed', () => {
    const allow = createRateLimiter(1, 1)
    expect(allow('scroll', 10_000)).toBe(true)
    expect(allow('scroll', 0)).toBe(false)
    expect(allow('scroll', 10_999)).toBe(false)
    expect(allow('scroll', 11_000)).toBe(true)
  })

  it('keeps at most maxNames names, forgetting full buckets first, then all', () => {
    const buckets = new Map<string, unknown>()
    const allow = createRateLimiter(1, 2, 3, buckets)
    allow('a', 0)
    allow('a', 0)
    allow('b', 0)
    allow('c', 900)
    // At 1000 only `b` is full again (it carries nothing): `d` takes its place.
    allow('d', 1000)
    expect([...buckets.keys()]).toEqual(['a', 'c', 'd'])
    expect(allow('a', 1000)).toBe(true)
    expect(allow('a', 1000)).toBe(false)
    // Nothing full: all are forgotten, and `e` starts again with a full bucket.
    allow('e', 1000)
    expect([...buckets.keys()]).toEqual(['e'])
    for (let i = 0; i < 100_000; i++) allow(`name_${i}`, i)
    expect(buckets.size).toBeGreaterThan(0)
    expect(buckets.size).toBeLessThanOrEqual(3)
  })
})

describe('createDropReport', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('reports drops in one task once, with their count, when the task is over', () => {
    vi.useFakeTimers()
    const reports: [string, number][] = []
    const dropped = createDropReport((name, count) => reports.push([name, count]))
    for (let i = 0; i < 20; i++) dropped('recommend_impression')
    dropped('scroll')
    expect(reports).toEqual([])
    vi.advanceTimersByTime(0)
    expect(reports).toEqual([
      ['recommend_impression', 20],
      ['scroll', 1],
    ])
  })

  it('reports a runaway loop at most once a second, every drop counted once', () => {
    vi.useFakeTimers()
    const reports: number[] = []
    const dropped = createDropReport((_name, count) => reports.push(count))
    for (let ms = 0; ms < 3000; ms++) {
      dropped('scroll')
      vi.advanceTimersByTime(1)
    }
    vi.advanceTimersByTime(1000)
    expect(reports.length).toBeLessThanOrEqual(4)
    expect(reports.reduce((a, b) => a + b, 0)).toBe(3000)
    // After a quiet second, the next stretch is reported as soon as its task is over.
    dropped('scroll')
    vi.advanceTimersByTime(0)
    expect(reports.at(-1)).toBe(1)
  })
})

describe('createDebouncer', () => {
  it('reports an identical event within the window as a repeat', () => {
    const isRepeat = createDebouncer(300)
    expect(isRepeat('buy', { sku: 'a', qty: 1 }, 0)).toBe(false)
    expect(isRepeat('buy', { sku: 'a', qty: 1 }, 299)).toBe(true)
  })

  it('does not report an event with different properties as a repeat', () => {
    const isRepeat = createDebouncer(300)
    isRepeat('buy', { sku: 'a', qty: 1 }, 0)
    expect(isRepeat('buy', { sku: 'a', qty: 2 }, 10)).toBe(false)
    expect(isRepeat('buy', { sku: 'a' }, 20)).toBe(false)
    expect(isRepeat('buy', { sku: 'a', qty: 1, extra: true }, 30)).toBe(false)
  })

  it('does not report an identical event after the window as a repeat', () => {
    const isRepeat = createDebouncer(300)
    isRepeat('buy', { sku: 'a' }, 0)
    expect(isRepeat('buy', { sku: 'a' }, 300)).toBe(false)
  })

  it('keeps the last event of each name apart', () => {
    const isRepeat = createDebouncer(300)
    isRepeat('buy', { sku: 'a' }, 0)
    expect(isRepeat('view', { sku: 'a' }, 10)).toBe(false)
    expect(isRepeat('buy', { sku: 'a' }, 20)).toBe(true)
  })

  it('compares nested objects and arrays by value, as the scrubber copies them', () => {
    const isRepeat = createDebouncer(300)
    const scrub = createScrubber(() => false)
    const props = () => ({ item: { id: 1, tags: ['a', 'b'] }, list: [{ n: 1 }], at: new Date(0) })
    expect(isRepeat('buy', scrub(props()), 0)).toBe(false)
    expect(isRepeat('buy', scrub(props()), 10)).toBe(true)
    expect(isRepeat('buy', { ...scrub(props()), list: [{ n: 2 }] }, 20)).toBe(false)
    expect(isRepeat('buy', { ...scrub(props()), item: { id: 1, tags: ['a'] } }, 30)).toBe(false)
    expect(isRepeat('buy', { ...scrub(props()), item: { id: 1 } }, 40)).toBe(false)
    expect(isRepeat('buy', { ...scrub(props()), list: { 0: { n: 1 } } }, 50)).toBe(false)
  })

  it('takes properties too large to compare as different: it never drops on a guess', () => {
    const isRepeat = createDebouncer(300)
    const big = () => ({ ids: Array.from({ length: 10_000 }, (_, i) => i) })
    isRepeat('export', big(), 0)
    expect(isRepeat('export', big(), 10)).toBe(false)
  })

  it('keeps at most maxNames names, forgetting ended windows first', () => {
    const last = new Map<string, unknown>()
    const isRepeat = createDebouncer(300, 3, last)
    isRepeat('a', {}, 0)
    isRepeat('b', {}, 900)
    isRepeat('c', {}, 1000)
    // At 1000 only the window of `a` has ended: `d` takes its place.
    isRepeat('d', {}, 1000)
    expect([...last.keys()]).toEqual(['b', 'c', 'd'])
    expect(isRepeat('b', {}, 1010)).toBe(true)
    for (let i = 0; i < 100_000; i++) isRepeat(`name_${i}`, {}, i)
    expect(last.size).toBeGreaterThan(0)
    expect(last.size).toBeLessThanOrEqual(3)
  })
})

describe('toJson', () => {
  it('serialises plain values exactly as JSON.stringify does', () => {
    const value = { a: 1, b: [true, null, 'x'], c: { d: 'é' } }
    expect(toJson(value)).toBe(JSON.stringify(value))
  })

  it('returns undefined for a cycle, which the scrubber removes before events get here', () => {
    const parent: Record<string, unknown> = { name: 'p' }
    parent.self = parent
    expect(toJson(parent)).toBeUndefined()
    const copy = createScrubber(() => false)(parent)
    expect(JSON.parse(toJson(copy)!)).toEqual({ name: 'p', self: '[Circular]' })
  })

  it('keeps an object referenced twice without a cycle, through the scrubber too', () => {
    const shared = { id: 7 }
    const value = { a: shared, b: [shared, shared], c: { d: shared }, big: 1n }
    const expected = { a: { id: 7 }, b: [{ id: 7 }, { id: 7 }], c: { d: { id: 7 } }, big: '1' }
    expect(JSON.parse(toJson(value)!)).toEqual(expected)
    expect(JSON.parse(toJson(createScrubber(() => false)(value))!)).toEqual(expected)
  })

  it('writes a BigInt as a string', () => {
    expect(toJson({ amount: 12345678901234567890n, n: 1 })).toBe(
      '{"amount":"12345678901234567890","n":1}',
    )
  })

  it('leaves out functions on the fast path and on the slow path', () => {
    expect(toJson({ f: () => 1, n: 1 })).toBe('{"n":1}')
    expect(toJson({ f: () => 1, big: 2n })).toBe('{"big":"2"}')
  })

  it('returns undefined when a toJSON throws', () => {
    const value = {
      ok: 1,
      bad: {
        toJSON() {
          throw new Error('no')
        },
      },
    }
    expect(toJson(value)).toBeUndefined()
  })

  it('returns undefined when a getter throws', () => {
    const value = {
      get bad(): number {
        throw new Error('no')
      },
    }
    expect(toJson(value)).toBeUndefined()
  })
})
