import { describe, expect, it, vi } from 'vitest'
import { beginPageView, currentPageView, onPageView } from '../pageView'

describe('page views', () => {
  it('counts page views and tells listeners, until they unsubscribe', () => {
    const listener = vi.fn()
    const unsubscribe = onPageView(listener)
    const before = currentPageView()
    beginPageView()
    expect(currentPageView()).toBe(before + 1)
    expect(listener).toHaveBeenCalledTimes(1)
    unsubscribe()
    beginPageView()
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('a failing listener does not stop the others or throw into the navigation', () => {
    const after = vi.fn()
    const stopFailing = onPageView(() => {
      throw new Error('listener bug')
    })
    const stopAfter = onPageView(after)
    expect(() => beginPageView()).not.toThrow()
    expect(after).toHaveBeenCalledTimes(1)
    stopFailing()
    stopAfter()
  })
})
