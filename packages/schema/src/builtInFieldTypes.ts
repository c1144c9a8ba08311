import type { FieldType } from './types'

/**
 * The type of every field of every built-in event, and nothing else: what code that only
 * converts values needs (`declaredProperties` of auto-capture), without the ~0.9 KB min+gzip of
 * descriptions that {@link trackingPlan} carries into a bundle. A test fails when it and
 * `trackingPlan` disagree.
 */
export const builtInFieldTypes: Readonly<Record<string, Readonly<Record<string, FieldType>>>> = {
  page_view: { page_name: 'string', referrer: 'string' },
  navbar_click: { target: 'string' },
  card_click: { card_id: 'string' },
  action_start: { action_id: 'string' },
  action_complete: { action_id: 'string' },
  reward_claim: { reward_type: 'string', action_id: 'string' },
  recommend_impression: { delivery_id: 'string', content_type: 'string' },
  recommend_click: { delivery_id: 'string', content_type: 'string' },
  recommend_expand_collapse: { action: ['expand', 'collapse'], delivery_id: 'string' },
  recommend_complete: { delivery_id: 'string', action_id: 'string' },
  click: { element_id: 'string', element_text: 'string', target: 'string' },
  form_submit: { form_id: 'string', form_name: 'string' },
  error: {
    message: 'string',
    source: 'string',
    lineno: 'integer',
    colno: 'integer',
    stack: 'string',
    error_type: 'string',
  },
  page_duration: { duration_ms: 'number', page_name: 'string' },
  element_exposure: { element_id: 'string' },
  scroll_depth: { depth: [25, 50, 75, 100] },
  web_vitals: {
    name: ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'],
    value: 'number',
    rating: ['good', 'needs-improvement', 'poor'],
    id: 'string',
  },
}
