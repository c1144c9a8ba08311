import { describe, expect, it, vi } from 'vitest'
import { createDebouncer, createRateLimiter, createScrubber, toJson } from '../guards'

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

  it('keeps values that are not plain objects as they are', () => {
    const when = new Date(0)
    const copy = scrub({ when, count: 3, flag: null })
    expect(copy.when).toBe(when)
    expect(copy).toEqual({ when, count: 3, flag: null })
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

describe('createRateLimiter', () => {
  it('lets through perSecond events of one name in a window and drops the rest', () => {
    const allow = createRateLimiter(3)
    expect([0, 100, 200, 300, 999].map((now) => allow('scroll', now))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ])
  })

  it('opens a new window one second after the window began', () => {
    const allow = createRateLimiter(2)
    allow('scroll', 0)
    allow('scroll', 10)
    expect(allow('scroll', 999)).toBe(false)
    expect(allow('scroll', 1000)).toBe(true)
    expect(allow('scroll', 1001)).toBe(true)
    expect(allow('scroll', 1002)).toBe(false)
  })

  it('counts each event name in its own window', () => {
    const allow = createRateLimiter(1)
    expect(allow('scroll', 0)).toBe(true)
    expect(allow('scroll', 1)).toBe(false)
    expect(allow('click', 2)).toBe(true)
    expect(allow('click', 3)).toBe(false)
    expect(allow('scroll', 1000)).toBe(true)
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

  it('compares properties shallowly: a different nested object is a different event', () => {
    const isRepeat = createDebouncer(300)
    const item = { id: 1 }
    isRepeat('buy', { item }, 0)
    expect(isRepeat('buy', { item }, 10)).toBe(true)
    expect(isRepeat('buy', { item: { id: 1 } }, 20)).toBe(false)
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
