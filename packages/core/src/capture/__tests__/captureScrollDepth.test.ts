// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { beginPageView } from '../../pageView'
import { captureScrollDepth } from '../captureScrollDepth'

const tracker = { track: vi.fn() }
let stop = () => undefined as void

/** jsdom has no layout: a 4000 px page in an 800 px viewport, scrolled to `y`. */
const scrollTo = (y: number) => {
  Object.defineProperty(window, 'scrollY', { configurable: true, value: y })
  dispatchEvent(new Event('scroll'))
}

beforeEach(() => {
  Object.defineProperty(document.documentElement, 'scrollHeight', {
    configurable: true,
    value: 4000,
  })
  Object.defineProperty(window, 'innerHeight', { configurable: true, value: 800 })
  tracker.track = vi.fn()
  stop = captureScrollDepth(tracker)
})

afterEach(() => stop())

const depths = () => tracker.track.mock.calls.map(([, properties]) => properties.depth)

describe('captureScrollDepth', () => {
  it('tracks 25, 50, 75 and 100 % once each, as the bottom of the viewport passes them', () => {
    scrollTo(100) // bottom at 900 px: 22 %
    expect(depths()).toEqual([])
    scrollTo(300) // 27 %
    scrollTo(200)
    scrollTo(400)
    expect(depths()).toEqual([25])
    scrollTo(3196) // 4 px short of the end: still 75 % only
    expect(depths()).toEqual([25, 50, 75])
    scrollTo(0)
    scrollTo(3198.5) // within 2 px of the end counts as the end
    scrollTo(3200)
    expect(depths()).toEqual([25, 50, 75, 100])
    expect(tracker.track).toHaveBeenCalledWith('scroll_depth', { depth: 100 })
  })

  it('starts over in a new page view', () => {
    scrollTo(3200)
    beginPageView()
    scrollTo(1300) // 52.5 %
    expect(depths()).toEqual([25, 50, 75, 100, 25, 50])
  })

  it('stops capturing when stopped', () => {
    stop()
    scrollTo(3200)
    expect(tracker.track).not.toHaveBeenCalled()
  })
})
