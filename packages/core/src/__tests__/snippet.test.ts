// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const log = vi.hoisted(() => [] as unknown[][])
vi.mock('../createTracker', () => ({
  createTracker: (options: { endpoint?: string; appId?: string }) => {
    if (!options.endpoint || !options.appId)
      throw new Error('[trackpoint] createTracker needs `endpoint`')
    log.push(['createTracker', options])
    const method =
      (name: string) =>
      (...args: unknown[]) =>
        void log.push([name, ...args])
    return {
      track: method('track'),
      identify: method('identify'),
      reset: method('reset'),
      optOut: method('optOut'),
      optIn: method('optIn'),
      setConsent: method('setConsent'),
      flush: method('flush'),
      shutdown: method('shutdown'),
      userId: 'u',
      sessionId: 's',
    }
  },
}))
vi.mock('../capture/autoCapture', () => ({
  autoCapture: (_tracker: unknown, options: unknown) => {
    log.push(['autoCapture', options])
    return () => void log.push(['stopCapture'])
  },
}))

const { createSnippetHandler, installSnippet, MAX_WAITING_CALLS } = await import('../snippet')
type Host = { trackpoint?: ((...args: unknown[]) => void) & { q?: unknown[][]; loaded?: boolean } }
const host = window as unknown as Host

/** The documented snippet: a stub that records its calls in `trackpoint.q`. */
const snippetStub = () => {
  const stub = Object.assign((...args: unknown[]) => void (stub.q = stub.q ?? []).push(args), {
    q: undefined as unknown[][] | undefined,
  })
  host.trackpoint = stub
  return stub
}

const init = { endpoint: 'https://collect.example', appId: 'a' }

beforeEach(() => {
  log.length = 0
  delete host.trackpoint
})
afterEach(() => vi.restoreAllMocks())

describe('the script-tag snippet', () => {
  it('replays the calls made before the bundle loaded, in order, then handles calls directly', () => {
    snippetStub()
    host.trackpoint!('track', 'page_view', { page_name: 'early' }) // before init: waits for it
    host.trackpoint!('init', init)
    host.trackpoint!('identify', 'user_42')
    host.trackpoint!('track', 'card_click', { card_id: 'c_1' })
    installSnippet()
    host.trackpoint!('track', 'card_click', { card_id: 'c_2' })
    expect(log).toEqual([
      ['createTracker', init],
      ['track', 'page_view', { page_name: 'early' }],
      ['identify', 'user_42'],
      ['track', 'card_click', { card_id: 'c_1' }],
      // Auto-capture starts after the queue, so the identify above applies to its page view.
      ['autoCapture', {}],
      ['track', 'card_click', { card_id: 'c_2' }],
    ])
    expect(host.trackpoint!.loaded).toBe(true)
  })

  it('passes optOut, optIn and setConsent to the tracker, in order, also before init', () => {
    snippetStub()
    host.trackpoint!('setConsent', 'granted') // a banner answered before the bundle loaded
    host.trackpoint!('init', init)
    installSnippet()
    host.trackpoint!('optOut')
    host.trackpoint!('optIn')
    expect(log).toEqual([
      ['createTracker', init],
      ['setConsent', 'granted'],
      ['autoCapture', {}],
      ['optOut'],
      ['optIn'],
    ])
  })

  it('passes autoCapture options on, and captures nothing with autoCapture: false', () => {
    createSnippetHandler()('init', { ...init, autoCapture: { scrollDepth: true } })
    createSnippetHandler()('init', { ...init, autoCapture: false })
    expect(log.filter(([name]) => name === 'autoCapture')).toEqual([
      ['autoCapture', { scrollDepth: true }],
    ])
  })

  it('calls a function command with the tracker once init has run', () => {
    const handler = createSnippetHandler()
    const ready = vi.fn()
    handler(ready)
    expect(ready).not.toHaveBeenCalled()
    handler('init', init)
    expect(ready).toHaveBeenCalledWith(expect.objectContaining({ userId: 'u' }))
  })

  it('throws at once for an unknown command, and warns on a second init', () => {
    const handler = createSnippetHandler()
    expect(() => handler('trak', 'x')).toThrow(/unknown command "trak": use one of init, track/)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    handler('init', init)
    handler('init', init)
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/init was called twice/))
    expect(log.filter(([name]) => name === 'createTracker')).toHaveLength(1)
  })

  it('logs a failing replayed call and goes on with the rest', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    snippetStub()
    host.trackpoint!('init', {}) // no endpoint: a programmer error
    host.trackpoint!('init', init)
    host.trackpoint!('track', 'card_click', { card_id: 'c_3' })
    installSnippet()
    expect(error).toHaveBeenCalledWith(
      expect.stringMatching(/^\[trackpoint\] /),
      expect.objectContaining({ message: expect.stringMatching(/endpoint/) }),
    )
    expect(log).toContainEqual(['track', 'card_click', { card_id: 'c_3' }])
  })

  it('goes on after a failing call that waited for an init queued later', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    snippetStub()
    host.trackpoint!(() => {
      throw new Error('broken callback')
    })
    host.trackpoint!('track', 'card_click', { card_id: 'c_4' })
    host.trackpoint!('init', init)
    installSnippet()
    expect(error).toHaveBeenCalledExactlyOnceWith(
      expect.stringMatching(/^\[trackpoint\] a queued call failed/),
      expect.objectContaining({ message: 'broken callback' }),
    )
    expect(log).toEqual([
      ['createTracker', init],
      ['track', 'card_click', { card_id: 'c_4' }],
      ['autoCapture', {}],
    ])
  })

  it('runs the calls that waited before starting auto-capture when init comes live, and never throws them', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const handler = createSnippetHandler()
    handler('identify', 'user_42')
    handler(() => {
      throw new Error('broken callback')
    })
    handler('track', 'card_click', { card_id: 'c_5' })
    expect(() => handler('init', init)).not.toThrow()
    expect(log).toEqual([
      ['createTracker', init],
      ['identify', 'user_42'], // before the first page view of auto-capture
      ['track', 'card_click', { card_id: 'c_5' }],
      ['autoCapture', {}],
    ])
    expect(error).toHaveBeenCalledOnce()
  })

  it(`keeps at most ${MAX_WAITING_CALLS} calls waiting for init, dropping the oldest with one warning`, () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const handler = createSnippetHandler()
    for (let i = 0; i < MAX_WAITING_CALLS + 5; i++) handler('track', 'card_click', { card_id: i })
    expect(warn).toHaveBeenCalledExactlyOnceWith(
      expect.stringMatching(/^\[trackpoint\] over 1000 calls wait for init: dropping the oldest/),
    )
    handler('init', { ...init, autoCapture: false })
    const tracked = log.filter(([name]) => name === 'track')
    expect(tracked).toHaveLength(MAX_WAITING_CALLS)
    expect(tracked[0]).toEqual(['track', 'card_click', { card_id: 5 }])
    expect(tracked.at(-1)).toEqual(['track', 'card_click', { card_id: MAX_WAITING_CALLS + 4 }])
  })

  it('stops auto-capture on shutdown, and does not start it after a queued shutdown', () => {
    const handler = createSnippetHandler()
    handler('init', init)
    handler('shutdown')
    expect(log.slice(1)).toEqual([['autoCapture', {}], ['stopCapture'], ['shutdown']])

    log.length = 0
    snippetStub()
    host.trackpoint!('init', init)
    host.trackpoint!('shutdown')
    installSnippet()
    expect(log).toEqual([['createTracker', init], ['shutdown']])
  })

  it('installs once: a second copy of the bundle keeps the first handler', () => {
    installSnippet()
    const first = host.trackpoint
    installSnippet()
    expect(host.trackpoint).toBe(first)
  })
})
