import type { BuiltInEventProperties, CommonFields } from '../index'

/** Good properties for every built-in event; typed, so they also prove the types accept them. */
export const goodProperties: { [N in keyof BuiltInEventProperties]: BuiltInEventProperties[N] } = {
  page_view: {
    page_name: 'onchain_landing',
    referrer: 'homepage',
    utm_source: 'newsletter',
    utm_medium: 'email',
    utm_campaign: 'launch',
    utm_term: 'defi',
    utm_content: 'top_banner',
    referrer_domain: 'news.example.com',
  },
  navbar_click: { target: 'rewards' },
  card_click: { card_id: 'card_42' },
  action_start: { action_id: 'act_1' },
  action_complete: { action_id: 'act_1' },
  reward_claim: { reward_type: 'points', action_id: 'act_1' },
  recommend_impression: { delivery_id: 'dlv_7', content_type: 'action' },
  recommend_click: { delivery_id: 'dlv_7', content_type: 'action' },
  recommend_expand_collapse: { delivery_id: 'dlv_7', action: 'collapse' },
  recommend_complete: { delivery_id: 'dlv_7', action_id: 'act_1' },
  click: { element_id: 'claim-button', element_text: 'Claim', target: '/rewards' },
  form_submit: { form_id: 'signup', form_name: 'newsletter' },
  error: {
    message: 'x is undefined',
    source: 'https://app.example.com/main.js',
    lineno: 12,
    colno: 0,
    stack: 'TypeError: x is undefined\n    at main.js:12:0',
    error_type: 'TypeError',
  },
  page_duration: { duration_ms: 15234.5, page_name: 'onchain_landing' },
  element_exposure: { element_id: 'hero-banner' },
  scroll_depth: { depth: 75 },
  user_identify: {},
  web_vitals: { name: 'LCP', value: 1834.2, rating: 'good', id: 'v4-1700000000000-123' },
}

/** A valid event of `name` with `properties`; override any common field with `overrides`. */
export function makeEvent<N extends string>(
  name: N,
  properties: unknown,
  overrides: Record<string, unknown> = {},
): CommonFields<N> & Record<string, unknown> {
  return {
    event_id: '3b241101-e2bb-4255-8caf-4136c566a962',
    event_name: name,
    user_id: '12345678',
    timestamp: 1652345678901,
    platform: 'web',
    page: '/onchain/landing',
    session_id: 'sess_abcdef123456',
    properties: properties as CommonFields<N>['properties'],
    ...overrides,
  }
}

/** A valid event of `name` without its `properties` key (§五 makes it optional). */
export function makeEventWithoutProperties(name: string): Record<string, unknown> {
  const event: Record<string, unknown> = makeEvent(name, {})
  delete event.properties
  return event
}
