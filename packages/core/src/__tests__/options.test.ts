import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DEFAULTS, resolveOptions } from '../options'

const required = { endpoint: 'https://collect.example.com', appId: 'shop' }

describe('resolveOptions', () => {
  it('fills in every default when only the required options are given', () => {
    expect(resolveOptions(required)).toEqual({ ...DEFAULTS, ...required })
  })

  it('fills in the values the design fixes (§八, §十一)', () => {
    expect(resolveOptions(required)).toMatchObject({
      batchSize: 10,
      flushInterval: 5000,
      maxBatchBytes: 51_200,
      maxBatchEvents: 100,
      sessionTimeout: 30 * 60_000,
      sessionMaxAge: 24 * 60 * 60_000,
      maxEventAge: 7 * 24 * 60 * 60_000,
      sampleRate: 1,
      debug: false,
      compress: true,
      persist: true,
    })
  })

  it('keeps the default for an option passed as undefined', () => {
    const resolved = resolveOptions({
      ...required,
      batchSize: undefined,
      debug: undefined,
      persist: undefined,
    })
    expect(resolved.batchSize).toBe(DEFAULTS.batchSize)
    expect(resolved.debug).toBe(false)
    expect(resolved.persist).toBe(true)
  })

  it('uses given values over the defaults, falsy ones included', () => {
    const onError = () => {}
    const resolved = resolveOptions({
      ...required,
      secret: 's3cret',
      batchSize: 25,
      debounceMs: 0,
      sampleRate: 0,
      compress: false,
      forbiddenKeys: /pin/i,
      onError,
    })
    expect(resolved).toMatchObject({
      ...required,
      secret: 's3cret',
      batchSize: 25,
      debounceMs: 0,
      sampleRate: 0,
      compress: false,
      forbiddenKeys: /pin/i,
    })
    expect(resolved.onError).toBe(onError)
  })

  it('leaves DEFAULTS unchanged for the next tracker', () => {
    const before = { ...DEFAULTS }
    resolveOptions({ ...required, batchSize: 1, debug: true })
    expect(DEFAULTS).toEqual(before)
    expect(resolveOptions(required).batchSize).toBe(10)
  })

  it('documents each default in TrackerOptions with the value DEFAULTS holds', () => {
    // DEFAULTS says each entry "is also its @default": read the TSDoc of types.ts and compare.
    const source = readFileSync(new URL('../types.ts', import.meta.url), 'utf8')
    const documented: Record<string, string> = {}
    for (const [, doc, name] of source.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)\?:/g)) {
      const value = /@default (\S+)/.exec(doc!)?.[1]
      if (value && name! in DEFAULTS) documented[name!] = value
    }
    expect(Object.keys(documented).sort()).toEqual(Object.keys(DEFAULTS).sort())
    const actual = Object.fromEntries(
      Object.entries(DEFAULTS).map(([name, value]) => [name, String(value)]),
    )
    expect(documented).toEqual(actual)
  })
})
