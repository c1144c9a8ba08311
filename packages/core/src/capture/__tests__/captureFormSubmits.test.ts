// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { captureFormSubmits } from '../captureFormSubmits'

const tracker = { track: vi.fn() }
let stop = () => undefined as void

beforeEach(() => {
  tracker.track = vi.fn()
  stop = captureFormSubmits(tracker)
})

afterEach(() => {
  stop()
  document.body.innerHTML = ''
})

const submit = (html: string) => {
  document.body.innerHTML = html
  const form = document.querySelector('form')!
  // A handler of the app that stops the event must not hide it from the capture.
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    event.stopPropagation()
  })
  form.requestSubmit()
}

describe('captureFormSubmits', () => {
  it('tracks the form id and name, never the values of its fields', () => {
    submit(`<form id="signup" name="newsletter">
      <input name="email" value="alice@example.com"><input name="password" value="hunter2">
    </form>`)
    expect(tracker.track).toHaveBeenCalledExactlyOnceWith('form_submit', {
      form_id: 'signup',
      form_name: 'newsletter',
    })
    expect(JSON.stringify(tracker.track.mock.calls)).not.toMatch(/alice|hunter2/)
  })

  it('reads attributes, not form.id / form.name, which a field named "id" or "name" shadows', () => {
    submit(
      `<form id="f1" name="login"><input name="id" value="x"><input name="name" value="y"></form>`,
    )
    expect(tracker.track).toHaveBeenCalledWith('form_submit', { form_id: 'f1', form_name: 'login' })
  })

  it('prefers data-track-form-name, and sends an empty event for an anonymous form', () => {
    submit(`<form name="f" data-track-form-name="claim_reward"></form>`)
    submit(`<form></form>`)
    expect(tracker.track.mock.calls).toEqual([
      ['form_submit', { form_name: 'claim_reward' }],
      ['form_submit', {}],
    ])
  })

  it('stops capturing when stopped', () => {
    stop()
    submit(`<form id="late"></form>`)
    expect(tracker.track).not.toHaveBeenCalled()
  })
})
