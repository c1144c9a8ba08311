import type { FieldType } from './types'

/**
 * Every built-in event, each with the type of its fields that are not plain strings: what code
 * that only converts values needs (`declaredProperties` of auto-capture), without the ~0.9 KB
 * min+gzip of descriptions that {@link trackingPlan} carries into a bundle. String fields are
 * left out because a value of no listed type stays the text it was — which is what a string
 * field wants — and each listed name costs the CDN bundle bytes. A test fails when it and
 * `trackingPlan` disagree.
 */
export const builtInFieldTypes: Readonly<Record<string, Readonly<Record<string, FieldType>>>> = {
  page_view: {},
  navbar_click: {},
  card_click: {},
  action_start: {},
  action_complete: {},
  reward_claim: {},
  recommend_impression: {},
  recommend_click: {},
  recommend_expand_collapse: { action: ['expand', 'collapse'] },
  recommend_complete: {},
  click: {},
  form_submit: {},
  error: { lineno: 'integer', colno: 'integer' },
  page_duration: { duration_ms: 'number' },
  element_exposure: {},
  scroll_depth: { depth: [25, 50, 75, 100] },
  web_vitals: {
    name: ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'],
    value: 'number',
    rating: ['good', 'needs-improvement', 'poor'],
  },
  user_identify: {},
}
