// @vitest-environment node
import { describe, expect, it } from 'vitest'

describe('in Node and during server-side rendering', () => {
  it('imports without touching browser globals', async () => {
    const core = await import('../index')
    expect(typeof core.createTracker).toBe('function')
  })

  it('returns a tracker whose methods do nothing and never throw', async () => {
    const { createTracker } = await import('../index')
    const tracker = createTracker({ endpoint: 'https://collect.example.com', appId: 'ssr' })
    expect(() => tracker.track('page_view', { page_name: 'home' })).not.toThrow()
    expect(() => tracker.identify('u1')).not.toThrow()
    await expect(tracker.flush()).resolves.toBeUndefined()
    await expect(tracker.shutdown()).resolves.toBeUndefined()
  })

  it('throws at once, with a fix, when endpoint or appId is missing', async () => {
    const { createTracker } = await import('../index')
    expect(() => createTracker({ endpoint: '', appId: 'a' })).toThrow(/needs `endpoint`/)
    expect(() => createTracker({ endpoint: 'https://c.example', appId: '' })).toThrow(/`appId`/)
  })
})
