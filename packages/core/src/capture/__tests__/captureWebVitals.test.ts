// @vitest-environment jsdom
// The mapping from web-vitals' reports to `web_vitals` events; real measurements in Chromium
// are checked in e2e/capture.spec.ts.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Metric } from 'web-vitals'

const subscribers = vi.hoisted(
  () => new Map<string, { report: (m: unknown) => void; options: unknown }>(),
)
vi.mock('web-vitals', () => {
  const on = (name: string) => (report: (m: unknown) => void, options: unknown) =>
    subscribers.set(name, { report, options })
  return {
    onLCP: on('LCP'),
    onINP: on('INP'),
    onCLS: on('CLS'),
    onFCP: on('FCP'),
    onTTFB: on('TTFB'),
  }
})

const { captureWebVitals } = await import('../captureWebVitals')

const metric = (name: Metric['name'], value: number): Metric =>
  ({
    name,
    value,
    rating: 'good',
    id: `v5-${name}`,
    delta: value,
    entries: [],
    navigationType: 'navigate',
  }) as unknown as Metric

beforeEach(() => subscribers.clear())

describe('captureWebVitals', () => {
  it('subscribes to LCP, INP, CLS, FCP and TTFB', () => {
    captureWebVitals({ track: vi.fn() })
    expect([...subscribers.keys()].sort()).toEqual(['CLS', 'FCP', 'INP', 'LCP', 'TTFB'])
    expect(subscribers.get('LCP')!.options).toEqual({ reportAllChanges: false })
  })

  it('tracks each report as a web_vitals event with name, value, rating and id', () => {
    const tracker = { track: vi.fn() }
    captureWebVitals(tracker)
    subscribers.get('LCP')!.report(metric('LCP', 1234.5))
    subscribers.get('CLS')!.report(metric('CLS', 0.02))
    expect(tracker.track.mock.calls).toEqual([
      ['web_vitals', { name: 'LCP', value: 1234.5, rating: 'good', id: 'v5-LCP' }],
      ['web_vitals', { name: 'CLS', value: 0.02, rating: 'good', id: 'v5-CLS' }],
    ])
  })

  it('passes reportAllChanges on, and mutes reports once stopped', () => {
    const tracker = { track: vi.fn() }
    const stop = captureWebVitals(tracker, { reportAllChanges: true })
    expect(subscribers.get('INP')!.options).toEqual({ reportAllChanges: true })
    stop()
    subscribers.get('INP')!.report(metric('INP', 80))
    expect(tracker.track).not.toHaveBeenCalled()
  })
})
