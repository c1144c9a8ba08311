// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installVisibility, setTabVisibility } from '../../__tests__/fakeIntersectionObserver'
import { beginPageView } from '../../pageView'
import { capturePageDuration } from '../capturePageDuration'
import { capturePageViews } from '../capturePageViews'

const tracker = { track: vi.fn() }
let stop = () => undefined as void

beforeEach(() => {
  vi.useFakeTimers()
  installVisibility()
  history.replaceState(null, '', '/landing')
  tracker.track = vi.fn()
  stop = capturePageDuration(tracker)
})

afterEach(() => {
  stop()
  vi.useRealTimers()
})

describe('capturePageDuration', () => {
  it('sends the visible time when the tab is hidden, and counts no hidden time', () => {
    vi.advanceTimersByTime(3000)
    setTabVisibility('hidden')
    expect(tracker.track).toHaveBeenLastCalledWith('page_duration', {
      duration_ms: 3000,
      page_name: '/landing',
    })
    vi.advanceTimersByTime(60_000)
    setTabVisibility('visible')
    vi.advanceTimersByTime(2000)
    dispatchEvent(new Event('pagehide'))
    expect(tracker.track).toHaveBeenLastCalledWith('page_duration', {
      duration_ms: 2000,
      page_name: '/landing',
    })
    expect(tracker.track).toHaveBeenCalledTimes(2)
  })

  it('sends the ended page view on a new one, named after the page it measured', () => {
    vi.advanceTimersByTime(1500)
    history.pushState(null, '', '/rewards')
    beginPageView()
    vi.advanceTimersByTime(700)
    setTabVisibility('hidden')
    expect(tracker.track.mock.calls).toEqual([
      ['page_duration', { duration_ms: 1500, page_name: '/landing' }],
      ['page_duration', { duration_ms: 700, page_name: '/rewards' }],
    ])
  })

  it('sends one event when the page is left while visible (pagehide, then hidden)', () => {
    vi.advanceTimersByTime(4000)
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }))
    vi.advanceTimersByTime(5)
    setTabVisibility('hidden')
    expect(tracker.track.mock.calls).toEqual([
      ['page_duration', { duration_ms: 4000, page_name: '/landing' }],
    ])
  })

  it('counts no time in the back/forward cache, and a restore starts a new page view', () => {
    const stopPageViews = capturePageViews(tracker)
    try {
      vi.advanceTimersByTime(2000)
      dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }))
      vi.advanceTimersByTime(60_000) // in the cache; the tab stays "visible" in between here
      dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
      vi.advanceTimersByTime(500)
      setTabVisibility('hidden')
      expect(tracker.track.mock.calls).toEqual([
        ['page_view', { page_name: '/landing' }],
        ['page_duration', { duration_ms: 2000, page_name: '/landing' }],
        ['page_view', { page_name: '/landing' }], // the restore, after its page view began
        ['page_duration', { duration_ms: 500, page_name: '/landing' }],
      ])
    } finally {
      stopPageViews()
    }
  })

  it('sends nothing for a page view with no visible time, nor after stop', () => {
    setTabVisibility('hidden')
    dispatchEvent(new Event('pagehide'))
    expect(tracker.track).not.toHaveBeenCalled()
    setTabVisibility('visible')
    vi.advanceTimersByTime(1000)
    stop()
    setTabVisibility('hidden')
    expect(tracker.track).not.toHaveBeenCalled()
  })
})
