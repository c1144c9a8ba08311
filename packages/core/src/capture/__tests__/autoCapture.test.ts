// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const started = vi.hoisted(() => [] as { name: string; options: unknown; stop: () => void }[])
vi.mock('web-vitals', () => ({
  onLCP: () => undefined,
  onINP: () => undefined,
  onCLS: () => undefined,
  onFCP: () => undefined,
  onTTFB: () => undefined,
}))
// Each capture is replaced by a recorder, so this tests only which ones autoCapture starts.
for (const name of [
  'capturePageViews',
  'captureErrors',
  'captureFormSubmits',
  'captureClicks',
  'captureWebVitals',
  'capturePageDuration',
  'captureScrollDepth',
]) {
  vi.doMock(`../${name}`, () => ({
    [name]: (_tracker: unknown, options: unknown) => {
      const entry = { name, options, stop: vi.fn() }
      started.push(entry)
      return entry.stop
    },
  }))
}

const { autoCapture } = await import('../autoCapture')
const tracker = { track: vi.fn() }

beforeEach(() => {
  started.length = 0
})
afterEach(() => vi.clearAllMocks())

const names = () => started.map((entry) => entry.name).sort()

describe('autoCapture', () => {
  it('starts page views, errors, form submits, clicks and web vitals by default', () => {
    autoCapture(tracker)
    expect(names()).toEqual([
      'captureClicks',
      'captureErrors',
      'captureFormSubmits',
      'capturePageViews',
      'captureWebVitals',
    ])
  })

  it('turns captures off with false and on with true or options', () => {
    const pageName = (l: Location) => l.pathname.slice(1)
    autoCapture(tracker, {
      pageName,
      webVitals: false,
      clicks: false,
      pageDuration: true,
      scrollDepth: true,
      errors: { maxErrors: 5 },
    })
    expect(names()).toEqual([
      'captureErrors',
      'captureFormSubmits',
      'capturePageDuration',
      'capturePageViews',
      'captureScrollDepth',
    ])
    const optionsOf = (name: string) => started.find((entry) => entry.name === name)?.options
    expect(optionsOf('captureErrors')).toEqual({ maxErrors: 5 })
    expect(optionsOf('capturePageViews')).toEqual({ pageName })
    expect(optionsOf('capturePageDuration')).toEqual({ pageName })
  })

  it('returns one stop function for every capture it started', () => {
    const stop = autoCapture(tracker, { scrollDepth: true })
    stop()
    expect(started.every((entry) => vi.mocked(entry.stop).mock.calls.length === 1)).toBe(true)
    expect(started).toHaveLength(6)
  })
})
