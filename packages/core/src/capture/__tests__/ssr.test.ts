// @vitest-environment node
import { describe, expect, it } from 'vitest'

describe('impressions and auto-capture in Node and during SSR', () => {
  it('start without touching browser globals and return stop functions that do nothing', async () => {
    const core = await import('../../index')
    const tracker = { track: () => undefined }
    const stops = [
      core.observeImpression({} as Element, () => undefined),
      core.autoCapture(tracker, { pageDuration: true, scrollDepth: true }),
      core.capturePageViews(tracker),
      core.captureErrors(tracker),
      core.captureWebVitals(tracker),
      core.capturePageDuration(tracker),
      core.captureScrollDepth(tracker),
      core.captureFormSubmits(tracker),
      core.captureClicks(tracker),
    ]
    for (const stop of stops) expect(stop()).toBeUndefined()
  })

  it('loads the CDN entry without installing anything', async () => {
    await expect(import('../../cdn')).resolves.toHaveProperty('createTracker')
    await Promise.resolve() // the snippet installs in a microtask
    expect('trackpoint' in globalThis).toBe(false)
  })
})
