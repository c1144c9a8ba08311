// @vitest-environment happy-dom
// useConsent with the real tracker of @trackpoint/core: the ref, and the template, follow it.
import { defineComponent, h, nextTick } from 'vue'
import { enableAutoUnmount, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createTracker, type Tracker } from '@trackpoint/core'
import { createTrackpoint, useConsent } from '../index'

enableAutoUnmount(afterEach)
let appSeq = 0
const trackers: Tracker[] = []
afterEach(async () => {
  await Promise.all(trackers.splice(0).map((t) => t.shutdown()))
  localStorage.clear()
})
const newTracker = () => {
  const appId = `vue_consent_${++appSeq}`
  const tracker = createTracker({
    endpoint: 'https://collect.invalid',
    appId,
    persist: false,
    consent: 'pending',
  })
  trackers.push(tracker)
  return { tracker, appId }
}

/** A banner that shows the consent and answers it. */
const Banner = defineComponent({
  setup() {
    const { consent, setConsent, optOut } = useConsent()
    return () =>
      h('div', [
        h('p', { id: 'state' }, consent.value),
        h('button', { id: 'accept', onClick: () => setConsent('granted') }),
        h('button', { id: 'out', onClick: optOut }),
      ])
  },
})

describe('useConsent', () => {
  it('gives a ref that follows every change, and the template re-renders', async () => {
    const { tracker } = newTracker()
    const wrapper = mount(Banner, { global: { plugins: [createTrackpoint({ tracker })] } })
    expect(wrapper.get('#state').text()).toBe('pending')
    await wrapper.get('#accept').trigger('click')
    expect(wrapper.get('#state').text()).toBe('granted')
    await wrapper.get('#out').trigger('click')
    expect(wrapper.get('#state').text()).toBe('denied')
    expect(tracker.optedOut).toBe(true)
    tracker.optIn() // from outside the component
    await nextTick()
    expect(wrapper.get('#state').text()).toBe('granted')
  })

  it("follows another tab's decision, and stops listening when the component unmounts", async () => {
    const { tracker, appId } = newTracker()
    let listening = 0
    const subscribe = tracker.onConsentChange
    tracker.onConsentChange = (listener) => {
      const stop = subscribe(listener)
      listening++
      return () => (listening--, stop())
    }
    let renders = 0
    const Counting = defineComponent({
      setup() {
        const { consent } = useConsent()
        return () => h('p', (renders++, consent.value))
      },
    })
    const wrapper = mount(Counting, { global: { plugins: [createTrackpoint({ tracker })] } })
    dispatchEvent(
      new StorageEvent('storage', { key: `trackpoint:${appId}:consent`, newValue: 'denied' }),
    )
    await nextTick()
    expect(wrapper.text()).toBe('denied')
    expect(renders).toBe(2)
    expect(listening).toBe(1)
    wrapper.unmount()
    expect(listening).toBe(0)
  })
})
