import { inBrowser, noop, type TrackTarget } from './types'

/**
 * Tracks `form_submit` `{ form_id, form_name }` for every form submitted in the page (one
 * delegated `submit` listener on the document, capture phase, so a handler that stops
 * propagation does not hide it). Only the form's `id` and `name` attributes are read — never
 * the values of its fields. `data-track-form-name` overrides `form_name`.
 *
 * @returns A function that stops capturing.
 *
 * @example
 * ```ts
 * captureFormSubmits(tracker)
 * // <form id="signup" name="newsletter"> → form_submit { form_id: 'signup', form_name: 'newsletter' }
 * ```
 */
export function captureFormSubmits(tracker: TrackTarget): () => void {
  if (!inBrowser()) return noop
  const onSubmit = (event: Event) => {
    const form = event.target
    if (!(form instanceof HTMLFormElement)) return
    // getAttribute, not form.id / form.name: a field named "id" or "name" shadows those.
    const formId = form.getAttribute('id')
    const formName = form.getAttribute('data-track-form-name') ?? form.getAttribute('name')
    tracker.track('form_submit', {
      ...(formId ? { form_id: formId } : {}),
      ...(formName ? { form_name: formName } : {}),
    })
  }
  document.addEventListener('submit', onSubmit, true)
  return () => document.removeEventListener('submit', onSubmit, true)
}
