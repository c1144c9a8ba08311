import type { TrackingPlan } from './types'

const deliveryId = {
  type: 'string',
  required: true,
  description: 'The delivery (投放) id.',
} as const
const contentType = { type: 'string', required: true, description: 'The kind of content.' } as const
const actionId = { type: 'string', required: true, description: 'The Action (task) id.' } as const
const pageName = {
  type: 'string',
  description: 'A stable name of the page, e.g. `onchain_landing`.',
} as const
/** A campaign parameter of the session's landing page URL (attribution), kept for the session. */
const utm = (name: string) =>
  ({
    type: 'string',
    description: `The landing page's utm_${name}, kept for the session.`,
  }) as const
const elementId = { type: 'string', description: "The element's id or `data-track-id`." } as const

/**
 * The built-in tracking plan (§三 Onchain and recommendation events, §八 standard events) as
 * data. It mirrors `BuiltInEventProperties`; a type test fails when the two disagree.
 * Add your own events with `extendPlan`.
 */
export const trackingPlan = {
  events: {
    page_view: {
      description: 'A page finished loading (页面加载完成). Required on every page (§八).',
      fields: {
        page_name: { ...pageName, required: true },
        referrer: { type: 'string', description: 'Where the user came from.' },
        utm_source: utm('source'),
        utm_medium: utm('medium'),
        utm_campaign: utm('campaign'),
        utm_term: utm('term'),
        utm_content: utm('content'),
        referrer_domain: {
          type: 'string',
          description:
            "The referring site's host name on the session's landing page (attribution).",
        },
      },
    },
    user_identify: {
      description:
        'identify() linked the device (anonymous_id) to a user (user_id); sent once per link.',
      fields: {},
    },
    navbar_click: {
      description: 'A click in the navigation bar (导航栏点击).',
      fields: { target: { type: 'string', required: true, description: 'What was clicked.' } },
    },
    card_click: {
      description: 'A click on an Action card (Action卡片点击).',
      fields: { card_id: { type: 'string', required: true, description: 'The card id.' } },
    },
    action_start: {
      description: 'The user started an Action (用户开始任务).',
      fields: { action_id: actionId },
    },
    action_complete: {
      description: 'The user completed an Action (用户完成任务).',
      fields: { action_id: actionId },
    },
    reward_claim: {
      description: 'The user claimed a reward (用户领取奖励).',
      fields: {
        reward_type: { type: 'string', required: true, description: 'The kind of reward.' },
        action_id: { type: 'string', description: 'The Action the reward belongs to.' },
      },
    },
    recommend_impression: {
      description: 'A recommendation became visible in the viewport; counts View Users.',
      fields: { delivery_id: deliveryId, content_type: contentType },
    },
    recommend_click: {
      description: 'The user clicked a recommendation; counts Click Users.',
      fields: { delivery_id: deliveryId, content_type: contentType },
    },
    recommend_expand_collapse: {
      description: 'The user expanded or collapsed a recommendation (展开/收起).',
      fields: {
        delivery_id: deliveryId,
        action: { type: ['expand', 'collapse'], required: true, description: 'What was done.' },
      },
    },
    recommend_complete: {
      description: 'The user completed the Action of a recommendation; counts Complete Users.',
      fields: { delivery_id: deliveryId, action_id: actionId },
    },
    click: {
      description: 'A click on a key button or element (§八 必采).',
      fields: {
        element_id: elementId,
        element_text: { type: 'string', description: "The element's visible text, shortened." },
        target: { type: 'string', description: 'What the click leads to.' },
      },
    },
    form_submit: {
      description: 'A form was submitted (§八 必采). Never carries the values of its fields.',
      fields: {
        form_id: { type: 'string', description: "The form's id attribute." },
        form_name: { type: 'string', description: "The form's name or a stable name for it." },
      },
    },
    error: {
      description: 'A front-end error (§八 必采): onerror, unhandledrejection or caught.',
      fields: {
        message: { type: 'string', required: true, description: 'The error message.' },
        source: { type: 'string', description: 'The URL of the script that threw.' },
        lineno: { type: 'integer', min: 0, description: 'The line in `source`.' },
        colno: { type: 'integer', min: 0, description: 'The column in `source`.' },
        stack: { type: 'string', description: 'The stack trace, shortened.' },
        error_type: { type: 'string', description: 'The error class or origin.' },
      },
    },
    page_duration: {
      description: 'How long the user stayed on a page (§八 可选).',
      fields: {
        duration_ms: {
          type: 'number',
          required: true,
          min: 0,
          description: 'Time on the page in milliseconds.',
        },
        page_name: pageName,
      },
    },
    element_exposure: {
      description: 'A key element became visible in the viewport (§八 可选).',
      fields: { element_id: { ...elementId, required: true } },
    },
    scroll_depth: {
      description: 'The user scrolled past a depth of the page for the first time (§八 可选).',
      fields: {
        depth: { type: [25, 50, 75, 100], required: true, description: 'Percent of the page.' },
      },
    },
    web_vitals: {
      description: 'A Core Web Vitals measurement, as the `web-vitals` library reports it.',
      fields: {
        name: {
          type: ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'],
          required: true,
          description: "The metric's name.",
        },
        value: {
          type: 'number',
          required: true,
          min: 0,
          description: 'Milliseconds, or a unitless score for CLS.',
        },
        rating: { type: ['good', 'needs-improvement', 'poor'], description: 'The rating.' },
        id: { type: 'string', description: 'The `web-vitals` metric id.' },
      },
    },
  },
} as const satisfies TrackingPlan
