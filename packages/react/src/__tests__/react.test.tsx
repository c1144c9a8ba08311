// @vitest-environment happy-dom
// Runs twice: against React 19 (project `unit`) and React 18 (project `react18`, vitest.config.ts).
import { StrictMode, version, type ReactNode } from 'react'
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Tracker } from '@trackpoint/core'
import {
  FakeIntersectionObserver,
  installVisibility,
  setVisibleRatio,
} from '../../../core/src/__tests__/fakeIntersectionObserver'
import { Impression, TrackProvider, useImpression, usePageView, useTrack } from '../index'
import { recordingTracker, type RecordingTracker } from './recordingTracker'

const strict = (tracker: Tracker) =>
  function Wrapper({ children }: { children?: ReactNode }) {
    return (
      <StrictMode>
        <TrackProvider tracker={tracker}>{children}</TrackProvider>
      </StrictMode>
    )
  }

const offer = { delivery_id: 'd_1', content_type: 'action' }

function Offer({ props = offer }: { props?: typeof offer }) {
  return (
    <article data-testid="offer" ref={useImpression(props)}>
      {props.delivery_id}
    </article>
  )
}

function Page({ name }: { name: string }) {
  usePageView(name, { referrer: 'home' })
  return <p>{name}</p>
}

let tracker: RecordingTracker
// In act() so that React applies what the callbacks change before the next assertion.
const show = (element: Element, ratio: number) => void act(() => setVisibleRatio(element, ratio))
const elapse = (ms: number) =>
  void act(() => {
    vi.advanceTimersByTime(ms)
  })

beforeEach(() => {
  vi.useFakeTimers()
  vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver)
  installVisibility()
  tracker = recordingTracker()
})

afterEach(() => {
  cleanup()
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe(`@trackpoint/react with React ${version}`, () => {
  it('useTrack outside <TrackProvider> throws a message saying how to fix it', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    function Orphan() {
      useTrack()
      return null
    }
    expect(() => render(<Orphan />)).toThrow(
      /useTrack must be used inside <TrackProvider>: wrap your app in <TrackProvider options=/,
    )
    expect(() => render(<Page name="home" />)).toThrow(/usePageView must be used inside/)
  })

  it('<TrackProvider> without a tracker or options throws at render', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    expect(() => render(<TrackProvider>x</TrackProvider>)).toThrow(
      /needs `tracker` \(from createTracker\) or `options`/,
    )
    const noAppId = { endpoint: 'https://collect.example.com', appId: '' }
    expect(() => render(<TrackProvider options={noAppId}>x</TrackProvider>)).toThrow(
      /needs `endpoint`.*and `appId`/,
    )
  })

  it('useTrack gives the provider’s tracker, whose track can be destructured', () => {
    function Navbar() {
      const { track } = useTrack()
      return <button onClick={() => track('navbar_click', { target: 'rewards' })}>Rewards</button>
    }
    render(<Navbar />, { wrapper: strict(tracker) })
    fireEvent.click(screen.getByText('Rewards'))
    expect(tracker.events).toEqual([{ name: 'navbar_click', properties: { target: 'rewards' } }])
  })

  it('usePageView tracks one page_view under StrictMode, and one more when the name changes', () => {
    const { rerender } = render(<Page name="onchain_landing" />, { wrapper: strict(tracker) })
    expect(tracker.events).toEqual([
      { name: 'page_view', properties: { referrer: 'home', page_name: 'onchain_landing' } },
    ])
    rerender(<Page name="onchain_landing" />)
    rerender(<Page name="rewards" />)
    expect(tracker.events.map((e) => e.properties)).toEqual([
      { referrer: 'home', page_name: 'onchain_landing' },
      { referrer: 'home', page_name: 'rewards' },
    ])
  })

  it('a real remount of the page is a new page view', () => {
    const { unmount } = render(<Page name="home" />, { wrapper: strict(tracker) })
    unmount()
    render(<Page name="home" />, { wrapper: strict(tracker) })
    expect(tracker.events.map((e) => e.name)).toEqual(['page_view', 'page_view'])
  })

  it('useImpression tracks recommend_impression once after 1 s at ≥50 % visible, under StrictMode', () => {
    render(<Offer />, { wrapper: strict(tracker) })
    const element = screen.getByTestId('offer')
    show(element, 0.6)
    elapse(999)
    expect(tracker.events).toEqual([])
    elapse(1)
    expect(tracker.events).toEqual([{ name: 'recommend_impression', properties: offer }])
    // Out of view and back: the same delivery on the same element counts once per page view.
    show(element, 0)
    show(element, 1)
    elapse(5000)
    expect(tracker.events).toHaveLength(1)
  })

  it('a new usePageView page lets the same delivery count again', () => {
    const { rerender } = render(
      <>
        <Page name="onchain_landing" />
        <Offer />
      </>,
      { wrapper: strict(tracker) },
    )
    const element = screen.getByTestId('offer')
    show(element, 1)
    elapse(1000)
    rerender(
      <>
        <Page name="rewards" />
        <Offer />
      </>,
    )
    elapse(1000)
    expect(tracker.events.map((e) => e.name)).toEqual([
      'page_view',
      'recommend_impression',
      'page_view',
      'recommend_impression',
    ])
  })

  it('two events observed on one element with one delivery_id are two impressions', () => {
    function Both() {
      const a = useImpression(offer)
      const b = useImpression({ delivery_id: 'd_1', exposure_ms: 1000 } as never, {
        event: 'element_exposure' as never,
      })
      return <article data-testid="both" ref={(el) => (a(el), b(el))} />
    }
    render(<Both />, { wrapper: strict(tracker) })
    show(screen.getByTestId('both'), 1)
    elapse(1000)
    expect(tracker.events.map((e) => e.name).sort()).toEqual([
      'element_exposure',
      'recommend_impression',
    ])
  })

  it('useImpression ignores less than 50 % or less than 1 s of visibility', () => {
    render(<Offer />, { wrapper: strict(tracker) })
    const element = screen.getByTestId('offer')
    show(element, 0.4)
    elapse(3000)
    show(element, 0.9)
    elapse(500)
    show(element, 0)
    elapse(3000)
    expect(tracker.events).toEqual([])
  })

  it('a new delivery_id on the same element is a new impression; a re-render is not', () => {
    const { rerender } = render(<Offer />, { wrapper: strict(tracker) })
    const element = screen.getByTestId('offer')
    show(element, 1)
    elapse(1000)
    rerender(<Offer props={{ ...offer }} />)
    elapse(2000)
    const next = { delivery_id: 'd_2', content_type: 'article' }
    rerender(<Offer props={next} />)
    // The new observation of an element already in view starts when the observer reports it.
    show(element, 1)
    elapse(1000)
    expect(tracker.events.map((e) => e.properties)).toEqual([offer, next])
  })

  it('useImpression stops observing when the element unmounts', () => {
    const { unmount } = render(<Offer />, { wrapper: strict(tracker) })
    const element = screen.getByTestId('offer')
    show(element, 1)
    elapse(500)
    unmount()
    elapse(5000)
    expect(tracker.events).toEqual([])
  })

  it('<Impression> renders the element it is asked for and tracks the event given', () => {
    render(
      <Impression
        as="section"
        className="slot"
        props={{ element_id: 'hero' }}
        options={{ event: 'element_exposure', minVisibleMs: 200 }}
      >
        Hero
      </Impression>,
      { wrapper: strict(tracker) },
    )
    const element = screen.getByText('Hero')
    expect(element.tagName).toBe('SECTION')
    expect(element.className).toBe('slot')
    show(element, 1)
    elapse(200)
    expect(tracker.events).toEqual([
      { name: 'element_exposure', properties: { element_id: 'hero' } },
    ])
  })
})
