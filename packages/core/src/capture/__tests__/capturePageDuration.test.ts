// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installVisibility, setTabVisibility } from '../../__tests__/fakeIntersectionObserver'
import { beginPageView } from '../../pageView'
import { capturePageDuration } from '../capturePageDuration'

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
