// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type * as PageViewsModule from '../capturePageViews'
import type * as PageViewModule from '../../pageView'

let capturePageViews: typeof PageViewsModule.capturePageViews
let currentPageView: typeof PageViewModule.currentPageView
const tracker = { track: vi.fn() }
const stops: (() => void)[] = []

beforeEach(async () => {
  vi.resetModules()
  history.replaceState(null, '', '/')
  tracker.track = vi.fn()
  ;({ capturePageViews } = await import('../capturePageViews'))
  ;({ currentPageView } = await import('../../pageView'))
})

afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

const start = (options?: PageViewsModule.PageViewCaptureOptions) => {
  stops.push(capturePageViews(tracker, options))
}

describe('capturePageViews', () => {
  it('tracks the first page view at once, with the path as page_name', () => {
    start()
    expect(tracker.track).toHaveBeenCalledExactlyOnceWith('page_view', { page_name: '/' })
  })

  it('tracks one page_view per route change, the previous page as referrer', () => {
    start()
    history.pushState(null, '', '/actions')
    history.pushState(null, '', '/actions/a_1')
    expect(tracker.track.mock.calls.slice(1)).toEqual([
      ['page_view', { page_name: '/actions', referrer: '/' }],
      ['page_view', { page_name: '/actions/a_1', referrer: '/actions' }],
    ])
  })

  it('does not count a history change that keeps the route (query, same path, replaceState)', () => {
    start()
    history.pushState(null, '', '/?tab=rewards')
    history.replaceState({ scroll: 100 }, '', '/?tab=rewards')
    history.pushState(null, '', '/#section')
    expect(tracker.track).toHaveBeenCalledTimes(1)
  })

  it('counts back/forward navigation (popstate)', async () => {
    start()
    history.pushState(null, '', '/rewards')
    const popped = new Promise((resolve) => addEventListener('popstate', resolve, { once: true }))
    history.back()
    await popped
    expect(tracker.track).toHaveBeenLastCalledWith('page_view', {
      page_name: '/',
      referrer: '/rewards',
    })
    expect(tracker.track).toHaveBeenCalledTimes(3)
  })

  it('starts a new page view for impressions, scroll depth and page duration', () => {
    start()
    const before = currentPageView()
    history.pushState(null, '', '/a')
    history.replaceState(null, '', '/a?x=1')
    expect(currentPageView()).toBe(before + 1)
  })

  it('names pages with pageName and detects routes with routeOf', () => {
    start({
      pageName: (l) => (l.hash.startsWith('#/actions') ? 'actions' : 'landing'),
      routeOf: (l) => l.pathname + l.hash,
    })
    history.pushState(null, '', '/#/actions')
    expect(tracker.track.mock.calls).toEqual([
      ['page_view', { page_name: 'landing' }],
      ['page_view', { page_name: 'actions', referrer: 'landing' }],
    ])
  })

  it('tracks a page restored from the back/forward cache as a new page view, like a load', () => {
    Object.defineProperty(document, 'referrer', {
      value: 'https://search.example/',
      configurable: true,
    })
    try {
      start()
      history.pushState(null, '', '/rewards')
      const before = currentPageView()
      dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false })) // a normal load
      dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
      expect(currentPageView()).toBe(before + 1)
      history.pushState(null, '', '/')
      expect(tracker.track.mock.calls).toEqual([
        ['page_view', { page_name: '/', referrer: 'https://search.example/' }],
        ['page_view', { page_name: '/rewards', referrer: '/' }],
        ['page_view', { page_name: '/rewards', referrer: 'https://search.example/' }],
        ['page_view', { page_name: '/', referrer: '/rewards' }],
      ])
    } finally {
      delete (document as { referrer?: string }).referrer
    }
  })

  it('stops capturing when stopped', () => {
    const stop = capturePageViews(tracker)
    stop()
    history.pushState(null, '', '/elsewhere')
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
    expect(tracker.track).toHaveBeenCalledTimes(1)
  })
})
