// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  FakeIntersectionObserver,
  installVisibility,
  liveObservers,
  setTabVisibility,
  setVisibleRatio,
  setVisibleRatios,
} from './fakeIntersectionObserver'

import type * as ImpressionModule from '../impression'
import type * as PageViewModule from '../pageView'

let observeImpression: typeof ImpressionModule.observeImpression
let beginPageView: typeof PageViewModule.beginPageView

const element = () => document.body.appendChild(document.createElement('div'))

beforeEach(async () => {
  vi.useFakeTimers()
  // Fresh module state (shared observers, fired impressions, page view) for every test.
  vi.resetModules()
  FakeIntersectionObserver.instances = []
  vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver)
  installVisibility()
  ;({ observeImpression } = await import('../impression'))
  ;({ beginPageView } = await import('../pageView'))
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('observeImpression', () => {
  it('fires after the element was at least 50 % visible for 1 s, not before', () => {
    const card = element()
    const seen = vi.fn()
    observeImpression(card, seen)
    setVisibleRatio(card, 0.5)
    vi.advanceTimersByTime(999)
    expect(seen).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(seen).toHaveBeenCalledTimes(1)
  })

  it('does not fire while less than the threshold is visible', () => {
    const card = element()
    const seen = vi.fn()
    observeImpression(card, seen)
    setVisibleRatio(card, 0.4)
    vi.advanceTimersByTime(10_000)
    expect(seen).not.toHaveBeenCalled()
  })

  it('asks for continuous visibility: leaving the view before 1 s starts the count over', () => {
    const card = element()
    const seen = vi.fn()
    observeImpression(card, seen)
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(900)
    setVisibleRatio(card, 0)
    vi.advanceTimersByTime(5000)
    setVisibleRatio(card, 0.6)
    vi.advanceTimersByTime(900)
    expect(seen).not.toHaveBeenCalled()
    vi.advanceTimersByTime(100)
    expect(seen).toHaveBeenCalledTimes(1)
  })

  it('counts time only while the tab is visible: hidden pauses the count, visible resumes it', () => {
    const card = element()
    const seen = vi.fn()
    observeImpression(card, seen)
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(600)
    setTabVisibility('hidden')
    vi.advanceTimersByTime(60_000)
    expect(seen).not.toHaveBeenCalled()
    setTabVisibility('visible')
    vi.advanceTimersByTime(399)
    expect(seen).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(seen).toHaveBeenCalledTimes(1)
  })

  it('does not start counting for an element that comes into view while the tab is hidden', () => {
    const card = element()
    const seen = vi.fn()
    observeImpression(card, seen)
    setTabVisibility('hidden')
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(5000)
    expect(seen).not.toHaveBeenCalled()
    setTabVisibility('visible')
    vi.advanceTimersByTime(1000)
    expect(seen).toHaveBeenCalledTimes(1)
  })

  it('fires once per element and key per page view', () => {
    const card = element()
    const seen = vi.fn()
    observeImpression(card, seen, { key: 'd_1' })
    for (let i = 0; i < 3; i++) {
      setVisibleRatio(card, 1)
      vi.advanceTimersByTime(2000)
      setVisibleRatio(card, 0)
    }
    expect(seen).toHaveBeenCalledTimes(1)
  })

  it('fires once even when the same element and key are observed again (a re-mount)', () => {
    const card = element()
    const seen = vi.fn()
    const stop = observeImpression(card, seen, { key: 'd_1' })
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(1000)
    stop()
    observeImpression(card, seen, { key: 'd_1' })
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(5000)
    expect(seen).toHaveBeenCalledTimes(1)
  })

  it('fires again for a new key on the same element (new content in the same slot)', () => {
    const card = element()
    const first = vi.fn()
    const second = vi.fn()
    const stop = observeImpression(card, first, { key: 'd_1' })
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(1000)
    stop()
    observeImpression(card, second, { key: 'd_2' })
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(1000)
    expect(first).toHaveBeenCalledTimes(1)
    expect(second).toHaveBeenCalledTimes(1)
  })

  it('a second watch of an element already in view starts counting at once', () => {
    const card = element()
    observeImpression(card, () => undefined, { key: 'a' })
    setVisibleRatio(card, 1)
    const seen = vi.fn()
    observeImpression(card, seen, { key: 'b' })
    vi.advanceTimersByTime(1000)
    expect(seen).toHaveBeenCalledTimes(1)
  })

  it('with once: false fires on every new exposure, once per exposure', () => {
    const card = element()
    const seen = vi.fn()
    observeImpression(card, seen, { once: false })
    for (let i = 0; i < 3; i++) {
      setVisibleRatio(card, 1)
      vi.advanceTimersByTime(5000)
      setVisibleRatio(card, 0)
    }
    expect(seen).toHaveBeenCalledTimes(3)
  })

  it('fires again in a new page view, for an element still on screen after a full second', () => {
    const card = element()
    const seen = vi.fn()
    observeImpression(card, seen, { key: 'd_1' })
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(1000)
    beginPageView()
    vi.advanceTimersByTime(999)
    expect(seen).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(seen).toHaveBeenCalledTimes(2)
  })

  it('honours threshold and minVisibleMs', () => {
    const card = element()
    const seen = vi.fn()
    observeImpression(card, seen, { threshold: 0.25, minVisibleMs: 200 })
    setVisibleRatio(card, 0.3)
    vi.advanceTimersByTime(199)
    expect(seen).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(seen).toHaveBeenCalledTimes(1)
  })

  it('handles 200 elements entering at once over several short tasks, and counts each once', () => {
    const cards = Array.from({ length: 200 }, element)
    const seen: number[] = []
    cards.forEach((card, i) => observeImpression(card, () => seen.push(i)))
    // A slow device: every clock reading during the callback is 0.1 ms after the one before.
    const fakeNow = performance.now.bind(performance)
    let drift = 0
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => fakeNow() + (drift += 0.1))
    setVisibleRatios(cards, 1)
    clock.mockRestore()
    // The callback stopped after its slice (a few ms): one timer per element it handled, and
    // one for the task that handles the rest.
    expect(vi.getTimerCount()).toBeGreaterThan(2)
    expect(vi.getTimerCount()).toBeLessThan(50)
    vi.advanceTimersByTime(0)
    expect(vi.getTimerCount()).toBe(200)
    vi.advanceTimersByTime(980)
    expect(seen).toEqual([])
    vi.advanceTimersByTime(20)
    expect([...seen].sort((a, b) => a - b)).toEqual(cards.map((_, i) => i))
    vi.advanceTimersByTime(5000)
    expect(seen).toHaveLength(200)
  })

  it('shares one IntersectionObserver per threshold', () => {
    for (let i = 0; i < 5; i++) observeImpression(element(), () => undefined)
    observeImpression(element(), () => undefined, { threshold: 1 })
    expect(FakeIntersectionObserver.instances).toHaveLength(2)
    expect(FakeIntersectionObserver.instances.map((o) => o.thresholds)).toEqual([[0.5], [1]])
    expect(FakeIntersectionObserver.instances[0]!.targets.size).toBe(5)
  })

  it('stop() cancels a pending impression and unobserves; the last one disconnects', () => {
    const card = element()
    const other = element()
    const seen = vi.fn()
    const stop = observeImpression(card, seen)
    const stopOther = observeImpression(other, () => undefined)
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(500)
    stop()
    stop()
    vi.advanceTimersByTime(5000)
    expect(seen).not.toHaveBeenCalled()
    expect(FakeIntersectionObserver.instances[0]!.targets.has(card)).toBe(false)
    stopOther()
    expect(liveObservers()).toEqual([])
  })

  it('forgets an element removed from the DOM, visible or not', () => {
    const visible = element()
    const hidden = element()
    const seen = vi.fn()
    observeImpression(visible, seen)
    observeImpression(hidden, seen)
    setVisibleRatio(visible, 1)
    vi.advanceTimersByTime(500)
    visible.remove()
    hidden.remove()
    // The browser reports the removed visible element at ratio 0.
    setVisibleRatio(visible, 0)
    vi.advanceTimersByTime(5000)
    expect(seen).not.toHaveBeenCalled()
    expect(liveObservers()).toEqual([])
  })

  it('keeps an element observed before it is attached, and counts it once attached', () => {
    const card = document.createElement('div')
    const other = element()
    const seen = vi.fn()
    observeImpression(card, seen)
    observeImpression(other, () => undefined)
    // A callback (here for another element) while the card is not attached yet: not a removal.
    setVisibleRatio(other, 1)
    document.body.append(card)
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(1000)
    expect(seen).toHaveBeenCalledTimes(1)
    // Once it has been attached, removing it ends the watch as for any element.
    card.remove()
    setVisibleRatio(card, 0)
    expect(FakeIntersectionObserver.instances[0]!.targets.has(card)).toBe(false)
  })

  it('with stopWhenRemoved: false keeps a removed element, which counts again once re-attached', () => {
    const card = element()
    const seen = vi.fn()
    const stop = observeImpression(card, seen, { key: 'd_1', once: false, stopWhenRemoved: false })
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(500)
    // Moved out of the document (Vue's <KeepAlive> deactivating): the browser reports ratio 0.
    const storage = document.createElement('div')
    storage.append(card)
    setVisibleRatio(card, 0)
    vi.advanceTimersByTime(5000)
    expect(seen).not.toHaveBeenCalled()
    document.body.append(card)
    setVisibleRatio(card, 1)
    vi.advanceTimersByTime(1000)
    expect(seen).toHaveBeenCalledTimes(1)
    stop()
    expect(liveObservers()).toEqual([])
  })

  it('throws at once, with a fix, for a missing element or out-of-range options', () => {
    expect(() => observeImpression(null as unknown as Element, () => undefined)).toThrow(
      /needs a DOM Element/,
    )
    expect(() => observeImpression(element(), () => undefined, { threshold: 2 })).toThrow(
      /threshold must be 0..1/,
    )
    expect(() => observeImpression(element(), () => undefined, { minVisibleMs: -1 })).toThrow(
      /minVisibleMs/,
    )
  })

  it('is inert where IntersectionObserver is missing (SSR, old browsers)', async () => {
    vi.stubGlobal('IntersectionObserver', undefined)
    vi.resetModules()
    const { observeImpression: inert } = await import('../impression')
    const stop = inert(null as unknown as Element, () => undefined)
    expect(stop()).toBeUndefined()
  })
})
