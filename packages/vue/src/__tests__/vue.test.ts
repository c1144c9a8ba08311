// @vitest-environment happy-dom
import { defineComponent, h, nextTick, ref, shallowRef, type Component } from 'vue'
import { enableAutoUnmount, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  FakeIntersectionObserver,
  installVisibility,
  liveObservers,
  setVisibleRatio,
} from '../../../core/src/__tests__/fakeIntersectionObserver'
import {
  recordingTracker,
  type RecordingTracker,
} from '../../../react/src/__tests__/recordingTracker'
import { createTrackpoint, useTrack } from '../index'

let tracker: RecordingTracker
// Unmounting stops every directive: no watch outlives its test.
enableAutoUnmount(afterEach)
// Attached to the document: an element that is not connected cannot be seen, and core forgets it.
const mountWith = (component: Parameters<typeof mount>[0]) =>
  mount(component, {
    attachTo: document.body,
    global: { plugins: [createTrackpoint({ tracker })] },
  })

const offer = { delivery_id: 'd_1', content_type: 'action' }

const shown = ref(offer)
const Offer = defineComponent({
  setup: () => ({ offer: shown }),
  template: '<article v-impression="offer">{{ offer.delivery_id }}</article>',
})

beforeEach(() => {
  vi.useFakeTimers()
  vi.stubGlobal('IntersectionObserver', FakeIntersectionObserver)
  installVisibility()
  tracker = recordingTracker()
  shown.value = offer
})

afterEach(() => {
  document.body.innerHTML = ''
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('v-track', () => {
  it('tracks the event and properties on the DOM event named by its argument', async () => {
    const wrapper = mountWith({
      template: `<nav>
        <button v-track:click="['navbar_click', { target: 'onchain' }]">Onchain</button>
        <a v-track:mouseenter="['navbar_click', { target: 'hover' }]">Hover</a>
        <span v-track="['card_click', { card_id: 'c_1' }]">Card</span>
      </nav>`,
    })
    await wrapper.get('button').trigger('click')
    await wrapper.get('a').trigger('click')
    await wrapper.get('a').trigger('mouseenter')
    await wrapper.get('span').trigger('click')
    expect(tracker.events).toEqual([
      { name: 'navbar_click', properties: { target: 'onchain' } },
      { name: 'navbar_click', properties: { target: 'hover' } },
      { name: 'card_click', properties: { card_id: 'c_1' } },
    ])
  })

  it('tracks the newest value after an update and removes its listener on unmount', async () => {
    const target = ref('home')
    const wrapper = mountWith({
      setup: () => ({ target }),
      template: `<button v-track:click="['navbar_click', { target }]">Go</button>`,
    })
    const button = wrapper.get('button').element
    target.value = 'rewards'
    await nextTick()
    button.click()
    wrapper.unmount()
    button.click()
    expect(tracker.events).toEqual([{ name: 'navbar_click', properties: { target: 'rewards' } }])
  })

  it('moves its listener to the new DOM event when a dynamic argument changes', async () => {
    const event = ref('click')
    const wrapper = mountWith({
      setup: () => ({ event }),
      template: `<button v-track:[event]="['navbar_click', { target: 'home' }]">Go</button>`,
    })
    event.value = 'mouseenter'
    await nextTick()
    await wrapper.get('button').trigger('click')
    expect(tracker.events).toEqual([])
    await wrapper.get('button').trigger('mouseenter')
    expect(tracker.events).toEqual([{ name: 'navbar_click', properties: { target: 'home' } }])
  })

  it('throws a message saying how to fix a value that is not [eventName, properties]', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    expect(() =>
      mountWith({ template: `<button v-track:click="'navbar_click'">Go</button>` }),
    ).toThrow(/v-track needs \[eventName, properties\], e\.g\. v-track:click=/)
  })
})

describe('v-impression', () => {
  it('tracks recommend_impression once after 1 s at ≥50 % visible, once per delivery', async () => {
    const wrapper = mountWith(Offer)
    const element = wrapper.get('article').element
    setVisibleRatio(element, 0.5)
    vi.advanceTimersByTime(999)
    expect(tracker.events).toEqual([])
    vi.advanceTimersByTime(1)
    expect(tracker.events).toEqual([{ name: 'recommend_impression', properties: offer }])
    setVisibleRatio(element, 0)
    setVisibleRatio(element, 1)
    vi.advanceTimersByTime(5000)
    expect(tracker.events).toHaveLength(1)

    // New content in the same element: a new delivery, a new impression.
    const next = { delivery_id: 'd_2', content_type: 'article' }
    shown.value = next
    await nextTick()
    setVisibleRatio(element, 1)
    vi.advanceTimersByTime(1000)
    expect(tracker.events.map((e) => e.properties)).toEqual([offer, next])
  })

  it('ignores less than 50 % or less than 1 s of visibility', () => {
    const element = mountWith(Offer).get('article').element
    setVisibleRatio(element, 0.4)
    vi.advanceTimersByTime(3000)
    setVisibleRatio(element, 1)
    vi.advanceTimersByTime(500)
    setVisibleRatio(element, 0)
    vi.advanceTimersByTime(3000)
    expect(tracker.events).toEqual([])
  })

  it('stops observing on unmount', () => {
    const wrapper = mountWith(Offer)
    const element = wrapper.get('article').element
    setVisibleRatio(element, 1)
    vi.advanceTimersByTime(500)
    wrapper.unmount()
    vi.advanceTimersByTime(5000)
    expect(tracker.events).toEqual([])
  })

  it('keeps working after <KeepAlive> takes the element out of the document and back', async () => {
    const Other = defineComponent({ template: '<p>Other tab</p>' })
    const current = shallowRef<Component>(Offer)
    const wrapper = mountWith({
      setup: () => ({ current }),
      template: '<KeepAlive><component :is="current" /></KeepAlive>',
    })
    const element = wrapper.get('article').element
    setVisibleRatio(element, 1)
    vi.advanceTimersByTime(500)
    current.value = Other
    await nextTick()
    expect(element.isConnected).toBe(false)
    // What the browser reports for a visible node taken out of the document.
    setVisibleRatio(element, 0)
    vi.advanceTimersByTime(5000)
    expect(tracker.events).toEqual([])

    current.value = Offer
    await nextTick()
    expect(element.isConnected).toBe(true)
    setVisibleRatio(element, 1)
    vi.advanceTimersByTime(1000)
    expect(tracker.events).toEqual([{ name: 'recommend_impression', properties: offer }])

    // Unmounted while cached (deactivated): the watch ends, the node is not kept.
    current.value = Other
    await nextTick()
    wrapper.unmount()
    expect(liveObservers().some((observer) => observer.targets.has(element))).toBe(false)
  })

  it('tracks the new event when a dynamic argument changes', async () => {
    const event = ref('element_exposure')
    const wrapper = mountWith({
      setup: () => ({ event }),
      template: `<section v-impression:[event]="{ element_id: 'hero' }">Hero</section>`,
    })
    const element = wrapper.get('section').element
    event.value = 'hero_seen'
    await nextTick()
    setVisibleRatio(element, 1)
    vi.advanceTimersByTime(1000)
    expect(tracker.events).toEqual([{ name: 'hero_seen', properties: { element_id: 'hero' } }])
  })

  it('counts two events on one element independently, even with the same delivery_id', () => {
    const wrapper = mountWith({
      template: `<article
        v-impression="{ delivery_id: 'd_1', content_type: 'action' }"
        v-impression:offer_seen="{ delivery_id: 'd_1', slot: 'top' }">Offer</article>`,
    })
    const element = wrapper.get('article').element
    setVisibleRatio(element, 1)
    vi.advanceTimersByTime(1000)
    expect(tracker.events).toEqual([
      { name: 'recommend_impression', properties: { delivery_id: 'd_1', content_type: 'action' } },
      { name: 'offer_seen', properties: { delivery_id: 'd_1', slot: 'top' } },
    ])
    // Unmount stops both watches.
    wrapper.unmount()
    expect(liveObservers().some((observer) => observer.targets.has(element))).toBe(false)
  })

  it('tracks the event named by its argument', () => {
    const wrapper = mountWith({
      template: `<section v-impression:element_exposure="{ element_id: 'hero' }">Hero</section>`,
    })
    setVisibleRatio(wrapper.get('section').element, 1)
    vi.advanceTimersByTime(1000)
    expect(tracker.events).toEqual([
      { name: 'element_exposure', properties: { element_id: 'hero' } },
    ])
  })
})

describe('useTrack', () => {
  it('gives the app’s tracker in setup()', async () => {
    const wrapper = mountWith({
      setup() {
        const { track } = useTrack()
        return () =>
          h('button', { onClick: () => track('reward_claim', { reward_type: 'points' }) })
      },
    })
    await wrapper.get('button').trigger('click')
    expect(tracker.events).toEqual([
      { name: 'reward_claim', properties: { reward_type: 'points' } },
    ])
  })

  it('throws a message saying how to fix it in an app without the plugin', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const Orphan = defineComponent({ setup: () => (useTrack(), () => null) })
    expect(() => mount(Orphan)).toThrow(
      /useTrack must be called in setup\(\) of a component whose app installed the Trackpoint plugin: app\.use\(createTrackpoint/,
    )
  })
})
