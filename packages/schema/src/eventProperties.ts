/**
 * The events of the built-in tracking plan (§三 and §八) and their extra fields. This is the
 * reference the runtime plan (`trackingPlan`) is checked against; do not augment it, augment
 * {@link EventProperties}.
 */
export interface BuiltInEventProperties {
  /** A page finished loading (§三 页面访问). */
  page_view: {
    /** A stable name of the page, e.g. `onchain_landing` (not its title or URL). */
    page_name: string
    /** Where the user came from: a page name or `document.referrer`. */
    referrer?: string
    /** The session's landing page `utm_source` (attribution; the SDK fills it). */
    utm_source?: string
    /** The session's landing page `utm_medium`. */
    utm_medium?: string
    /** The session's landing page `utm_campaign`. */
    utm_campaign?: string
    /** The session's landing page `utm_term`. */
    utm_term?: string
    /** The session's landing page `utm_content`. */
    utm_content?: string
    /** The referring site's host name on the session's landing page. */
    referrer_domain?: string
  }
  /** identify() linked the device's anonymous id to a user id (sent once per link). */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an event with no fields
  user_identify: {}
  /** A click in the navigation bar. */
  navbar_click: {
    /** What was clicked, e.g. the tab name `rewards`. */
    target: string
  }
  /** A click on an Action card. */
  card_click: {
    /** The id of the card. */
    card_id: string
  }
  /** The user started an Action (task). */
  action_start: {
    /** The id of the Action. */
    action_id: string
  }
  /** The user completed an Action (task). */
  action_complete: {
    /** The id of the Action. */
    action_id: string
  }
  /** The user claimed a reward. */
  reward_claim: {
    /** The kind of reward, e.g. `points` or `nft`. */
    reward_type: string
    /** The Action the reward belongs to, when there is one. */
    action_id?: string
  }
  /** A recommendation became visible in the viewport; counts View Users (§六 dedup). */
  recommend_impression: {
    /** The id of the delivery (投放) that placed the content. */
    delivery_id: string
    /** The kind of content, e.g. `action` or `article`. */
    content_type: string
  }
  /** The user clicked a recommendation; counts Click Users (§六 dedup). */
  recommend_click: {
    /** The id of the delivery (投放) that placed the content. */
    delivery_id: string
    /** The kind of content, e.g. `action` or `article`. */
    content_type: string
  }
  /** The user expanded or collapsed a recommendation. */
  recommend_expand_collapse: {
    /** The id of the delivery (投放) that placed the content. */
    delivery_id: string
    /** Whether the content was expanded or collapsed. */
    action: 'expand' | 'collapse'
  }
  /** The user completed the Action of a recommendation; counts Complete Users. */
  recommend_complete: {
    /** The id of the delivery (投放) that placed the content. */
    delivery_id: string
    /** The id of the completed Action. */
    action_id: string
  }
  /** A click on a key button or element (§八 必采). */
  click: {
    /** The element's id or `data-track-id`. */
    element_id?: string
    /** The element's visible text, trimmed and shortened; never the value of an input. */
    element_text?: string
    /** What the click leads to, e.g. a link's path. */
    target?: string
  }
  /** A form was submitted (§八 必采). Never send the values of the form's fields. */
  form_submit: {
    /** The form's id attribute. */
    form_id?: string
    /** The form's name attribute or a stable name for it. */
    form_name?: string
  }
  /** A front-end error (§八 必采): `window.onerror`, `unhandledrejection` or a caught error. */
  error: {
    /** The error message. */
    message: string
    /** The URL of the script that threw. */
    source?: string
    /** The line in `source`, 1-based. */
    lineno?: number
    /** The column in `source`, 1-based. */
    colno?: number
    /** The stack trace, shortened. */
    stack?: string
    /** The error class or origin, e.g. `TypeError` or `unhandledrejection`. */
    error_type?: string
  }
  /** How long the user stayed on a page (§八 可选). */
  page_duration: {
    /** Time on the page in milliseconds. */
    duration_ms: number
    /** A stable name of the page, as in `page_view`. */
    page_name?: string
  }
  /** A key element became visible in the viewport (§八 可选). */
  element_exposure: {
    /** The element's id or `data-track-id`. */
    element_id: string
  }
  /** The user scrolled past a depth of the page for the first time (§八 可选). */
  scroll_depth: {
    /** The depth reached, in percent of the page height. */
    depth: 25 | 50 | 75 | 100
  }
  /** A Core Web Vitals measurement, as reported by the `web-vitals` library. */
  web_vitals: {
    /** The metric's name, as `web-vitals` spells it. */
    name: 'LCP' | 'INP' | 'CLS' | 'FCP' | 'TTFB'
    /** The metric's value: milliseconds, or a unitless score for CLS. */
    value: number
    /** How the value rates against the metric's thresholds, as `web-vitals` spells it. */
    rating?: 'good' | 'needs-improvement' | 'poor'
    /** The `web-vitals` metric id, unique per page load. */
    id?: string
  }
}

/**
 * Every event name mapped to its extra fields (`properties`). `@trackpoint/core`'s `track()` is
 * typed by it, so a typo'd event name or a missing field is a compile error.
 *
 * Apps add their own events, or optional keys of their own to a built-in event, by module
 * augmentation (and add the same to the runtime plan with `extendPlan`):
 *
 * ```ts
 * declare module '@trackpoint/schema' {
 *   interface EventProperties {
 *     checkout_start: { cart_id: string; item_count: number }
 *     page_view: BuiltInEventProperties['page_view'] & { experiment?: string }
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- augmented by apps
export interface EventProperties extends BuiltInEventProperties {}

/** The name of an event of the tracking plan, including events added by augmentation. */
export type EventName = keyof EventProperties & string
