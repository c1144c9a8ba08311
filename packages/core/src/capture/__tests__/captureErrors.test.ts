// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { captureErrors, type ErrorCaptureOptions } from '../captureErrors'

const tracker = { track: vi.fn() }
let stop = () => undefined as void

const start = (options?: ErrorCaptureOptions) => {
  tracker.track = vi.fn()
  stop = captureErrors(tracker, options)
}

afterEach(() => stop())

const throwIn = (error: Error, lineno = 10) =>
  dispatchEvent(
    new ErrorEvent('error', {
      message: `Uncaught ${error.name}: ${error.message}`,
      filename: 'https://app.example/main.js',
      lineno,
      colno: 5,
      error,
    }),
  )

const reject = (reason: unknown) =>
  dispatchEvent(Object.assign(new Event('unhandledrejection'), { reason }))

describe('captureErrors', () => {
  it('tracks an uncaught error with its place, class and stack', () => {
    start()
    const error = new TypeError('x is undefined')
    throwIn(error)
    expect(tracker.track).toHaveBeenCalledExactlyOnceWith('error', {
      message: 'x is undefined',
      error_type: 'TypeError',
      source: 'https://app.example/main.js',
      lineno: 10,
      colno: 5,
      stack: error.stack,
    })
  })

  it('sends the same error once, however often it is thrown', () => {
    start()
    const error = new Error('render loop')
    for (let i = 0; i < 5; i++) throwIn(error)
    throwIn(new Error('render loop'), 99) // same message, another place: another error
    expect(tracker.track).toHaveBeenCalledTimes(2)
  })

  it('tracks unhandled rejections, with Error and non-Error reasons', () => {
    start()
    reject(new RangeError('too far'))
    reject({ code: 42 })
    reject('plain text')
    expect(tracker.track.mock.calls.map(([, p]) => [p.message, p.error_type])).toEqual([
      ['too far', 'RangeError'],
      ['{"code":42}', 'unhandledrejection'],
      ['plain text', 'unhandledrejection'],
    ])
  })

  it('leaves the values of forbidden keys out of a non-Error reason, at any depth', () => {
    start()
    reject({ status: 401, access_token: 'abc', detail: { password: 'hunter2', field: 'email' } })
    reject([{ privateKey: '0xdead' }])
    expect(tracker.track.mock.calls.map(([, p]) => p.message)).toEqual([
      '{"status":401,"detail":{"field":"email"}}',
      '[{}]',
    ])
    expect(JSON.stringify(tracker.track.mock.calls)).not.toMatch(/abc|hunter2|0xdead/)
  })

  it('describes a reason that has no JSON by its type, without throwing', () => {
    start()
    const cyclic: Record<string, unknown> = { token_secret: 's' }
    cyclic.self = cyclic
    reject(cyclic)
    reject(10n)
    reject(undefined)
    expect(tracker.track.mock.calls.map(([, p]) => p.message)).toEqual([
      '[object Object]',
      '[object BigInt]',
      'undefined',
    ])
  })

  it('trims long messages and stacks (at a line break)', () => {
    start({ maxMessageLength: 20, maxStackLength: 40 })
    const error = new Error('m'.repeat(100))
    error.stack = ['Error: mmm', '    at a (a.js:1:1)', '    at b (b.js:2:2)', '    at c'].join(
      '\n',
    )
    throwIn(error)
    const [, properties] = tracker.track.mock.calls[0]!
    expect(properties.message).toBe(`${'m'.repeat(19)}…`)
    expect(properties.stack).toBe('Error: mmm\n    at a (a.js:1:1)')
  })

  it('stops after maxErrors distinct errors', () => {
    start({ maxErrors: 3 })
    for (let i = 0; i < 10; i++) throwIn(new Error(`error ${i}`))
    expect(tracker.track).toHaveBeenCalledTimes(3)
  })

  it('leaves out resource load failures, which are not ErrorEvents', () => {
    start()
    dispatchEvent(new Event('error'))
    expect(tracker.track).not.toHaveBeenCalled()
  })

  it('stops capturing when stopped', () => {
    start()
    stop()
    // Without a listener of ours, the test runner would report the dispatched error itself.
    addEventListener('error', (event) => event.preventDefault(), { once: true })
    throwIn(new Error('after stop'))
    expect(tracker.track).not.toHaveBeenCalled()
  })
})
