// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { extendPlan, trackingPlan } from '@trackpoint/schema'
import { captureClicks, declaredProperties, type ClickCaptureOptions } from '../captureClicks'

const tracker = { track: vi.fn() }
let stop = () => undefined as void

const start = (options?: ClickCaptureOptions) => {
  tracker.track = vi.fn()
  stop = captureClicks(tracker, options)
}

afterEach(() => {
  stop()
  document.body.innerHTML = ''
})

const click = (html: string, selector = '#target') => {
  document.body.innerHTML = html
  ;(document.querySelector(selector) as HTMLElement).click()
}

describe('captureClicks', () => {
  it('tracks data-track with data-track-* as snake_case properties', () => {
    start()
    click(`<button id="target" data-track="card_click" data-track-card-id="c_1">Open</button>`)
    expect(tracker.track).toHaveBeenCalledExactlyOnceWith('card_click', { card_id: 'c_1' })
  })

  it('finds the innermost data-track element from a click on a child', () => {
    start()
    click(`<section data-track="navbar_click" data-track-target="outer">
      <a data-track="reward_claim" data-track-reward-type="points"><span id="target">Claim</span></a>
    </section>`)
    expect(tracker.track).toHaveBeenCalledExactlyOnceWith('reward_claim', { reward_type: 'points' })
  })

  it('ignores clicks outside data-track elements and elements added later still work', () => {
    start()
    click(`<button id="target">plain</button>`)
    expect(tracker.track).not.toHaveBeenCalled()
    const late = document.body.appendChild(document.createElement('button'))
    late.setAttribute('data-track', 'navbar_click')
    late.setAttribute('data-track-target', 'rewards')
    late.click()
    expect(tracker.track).toHaveBeenCalledWith('navbar_click', { target: 'rewards' })
  })

  it('reports a name missing from the plan once with console.warn, and still sends it', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    start()
    click(`<button id="target" data-track="card_clik" data-track-card-id="c_1">Open</button>`)
    ;(document.querySelector('#target') as HTMLElement).click()
    click(`<button id="target" data-track="card_click" data-track-card-id="c_2">Open</button>`)
    expect(warn).toHaveBeenCalledExactlyOnceWith(
      expect.stringMatching(
        /^\[trackpoint\] data-track="card_clik" is not an event of the tracking plan/,
      ),
    )
    expect(tracker.track).toHaveBeenCalledTimes(3)
    expect(tracker.track).toHaveBeenCalledWith('card_clik', { card_id: 'c_1' })
    warn.mockRestore()
  })

  it("knows an app's own events from the plan passed, and the standard ones with any plan", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const quiz = { description: 'A quiz question was answered.', fields: {} }
    start({ plan: extendPlan(trackingPlan, { events: { quiz_answer: quiz } }) })
    click(`<button id="target" data-track="quiz_answer">A</button>`)
    stop()
    start({ plan: { events: { quiz_answer: quiz } } }) // a plan of its own events only
    click(`<button id="target" data-track="quiz_answer">A</button>`)
    click(`<button id="target" data-track="card_click">B</button>`)
    expect(tracker.track).toHaveBeenCalledTimes(2)
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
  })

  it('skips an empty data-track and keeps looking further up', () => {
    start()
    click(`<section data-track="navbar_click" data-track-target="outer">
      <div data-track=""><button id="target" data-track=" ">Go</button></div>
    </section>`)
    expect(tracker.track).toHaveBeenCalledExactlyOnceWith('navbar_click', { target: 'outer' })
  })

  it('finds data-track elements inside an open shadow root', () => {
    start()
    document.body.innerHTML = `<div id="host" data-track="navbar_click" data-track-target="host"></div>`
    const root = document.querySelector('#host')!.attachShadow({ mode: 'open' })
    root.innerHTML = `<button data-track="card_click" data-track-card-id="c_9"><span>Open</span></button>`
    root.querySelector('span')!.click()
    expect(tracker.track).toHaveBeenCalledExactlyOnceWith('card_click', { card_id: 'c_9' })
  })

  it('stops capturing when stopped', () => {
    start()
    stop()
    click(`<button id="target" data-track="card_click" data-track-card-id="c_1"></button>`)
    expect(tracker.track).not.toHaveBeenCalled()
  })
})

describe('declaredProperties', () => {
  const element = (attributes: Record<string, string>) => {
    const node = document.createElement('div')
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
    return node
  }

  it('converts numbers and numeric enums by the plan, and keeps ids that look like numbers as text', () => {
    expect(declaredProperties(element({ 'data-track-depth': '50' }), 'scroll_depth')).toEqual({
      depth: 50,
    })
    expect(
      declaredProperties(
        element({ 'data-track-duration-ms': '1200', 'data-track-page-name': '7' }),
        'page_duration',
      ),
    ).toEqual({ duration_ms: 1200, page_name: '7' })
    expect(declaredProperties(element({ 'data-track-card-id': '123' }), 'card_click')).toEqual({
      card_id: '123',
    })
  })

  it('keeps a value that does not fit its type as text, for debug mode to report', () => {
    expect(
      declaredProperties(element({ 'data-track-duration-ms': 'soon' }), 'page_duration'),
    ).toEqual({
      duration_ms: 'soon',
    })
  })

  it("converts booleans and numbers of an app's own events with an extended plan", () => {
    const plan = extendPlan(trackingPlan, {
      events: {
        quiz_answer: {
          description: 'A quiz question was answered.',
          fields: {
            is_correct: { type: 'boolean', description: 'Right answer.' },
            score: { type: 'integer', description: 'Points.' },
          },
        },
      },
    })
    const node = element({
      'data-track': 'quiz_answer',
      'data-track-is-correct': 'false',
      'data-track-score': '3',
      'data-track-extra-note': 'kept as text',
    })
    expect(declaredProperties(node, 'quiz_answer', plan)).toEqual({
      is_correct: false,
      score: 3,
      extra_note: 'kept as text',
    })
    expect(declaredProperties(node, 'quiz_answer')).toEqual({
      is_correct: 'false',
      score: '3',
      extra_note: 'kept as text',
    })
  })
})
