import { errorResponse, type JsonSchema, type RouteSchema } from '../http/openapi'
import { CURSOR_PATTERN } from './liveCursor'

const DAY: JsonSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }

const RANGE = [
  { name: 'from', in: 'query' as const, description: 'First day, inclusive.', schema: DAY },
  { name: 'to', in: 'query' as const, description: 'Last day, inclusive.', schema: DAY },
  {
    name: 'tz',
    in: 'query' as const,
    description: 'IANA time zone of the days; TRACKPOINT_TIMEZONE (UTC) when absent.',
    schema: { type: 'string', examples: ['Asia/Shanghai'] },
  },
]

/** The platforms of §三's common `platform` field. */
export const PLATFORMS = ['web', 'ios', 'android'] as const

/** `app_id` and `platform`: every stats route takes them and counts only the matching events. */
const FILTERS = [
  {
    name: 'app_id',
    in: 'query' as const,
    description: 'Only events of this app (the collector’s app_id); every app when absent.',
    schema: { type: 'string', minLength: 1, maxLength: 128 },
  },
  {
    name: 'platform',
    in: 'query' as const,
    description: 'Only events of this platform (§三); every platform when absent.',
    schema: { type: 'string', enum: [...PLATFORMS] },
  },
]

const integer = (name: string, description: string, min: number, max: number, def: number) => ({
  name,
  in: 'query' as const,
  description: `${description} Default ${def}, ${min}–${max}.`,
  schema: { type: 'integer', minimum: min, maximum: max, default: def },
})

const id = (description: string) => ({
  name: 'id',
  in: 'path' as const,
  required: true,
  description,
  schema: { type: 'string', minLength: 1 },
})

const counts = (fields: string[]): JsonSchema => ({
  type: 'object',
  required: fields,
  properties: Object.fromEntries(fields.map((field) => [field, { type: 'number', minimum: 0 }])),
})

const daily = (fields: string[]): JsonSchema => ({
  type: 'array',
  items: {
    type: 'object',
    required: ['date', ...fields],
    properties: {
      date: DAY,
      ...Object.fromEntries(fields.map((field) => [field, { type: 'integer', minimum: 0 }])),
    },
  },
})

const REFUSALS = {
  '400': errorResponse('A malformed date, range, time zone, filter, path or body.'),
  '401': errorResponse('Send Authorization: Bearer <TRACKPOINT_ADMIN_TOKEN> (or a partner token).'),
  '403': errorResponse('A partner token on a route or delivery outside its scope.'),
  '500': errorResponse('Internal error.'),
}

const str = { type: 'string' }
const int = { type: 'integer', minimum: 0 }
const obj = (properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema => ({
  type: 'object',
  required: Object.keys(properties).filter((key) => !optional.includes(key)),
  properties,
})
const list = (items: JsonSchema): JsonSchema => ({ type: 'array', items })

/** A funnel step of an Action (§三 Onchain events). */
const FUNNEL_STEP = obj({
  step: { enum: ['page_view', 'card_click', 'action_start', 'action_complete', 'reward_claim'] },
  users: int,
  events: int,
  conversion: { type: 'number', minimum: 0 },
})

/** A partner token as listed (never the token itself). */
const PARTNER_TOKEN = obj(
  {
    id: str,
    name: str,
    delivery_ids: list(str),
    created_at: str,
    revoked_at: { type: ['string', 'null'] },
  },
  [],
)

/** One event of the live view. */
const LIVE_EVENT = obj({
  event_id: str,
  event_name: str,
  user_id: str,
  app_id: str,
  platform: str,
  page: str,
  session_id: str,
  timestamp: int,
  received_at: int,
  stored_at: int,
  sdk_version: str,
  // Any JSON object: `additionalProperties: true` says so to generators too (openapi-typescript
  // reads a bare `type: object` as an object without keys).
  properties: { type: 'object', additionalProperties: true },
  validation: obj({
    status: { enum: ['valid', 'unplanned', 'rejected'] },
    reasons: list(str),
  }),
})

/** The numbers of `GET /api/stats/delivery/{id}`, every one always in the answer. */
const DELIVERY_NUMBERS = [
  'target_users',
  'viewed_users',
  'clicked_users',
  'completed_users',
  'view_rate',
  'click_rate',
  'completion_rate',
  'expands',
  'collapses',
]

/** The stats API's routes (§九), for the OpenAPI document. */
export const STATS_ROUTES: readonly RouteSchema[] = [
  {
    method: 'get',
    path: '/api/stats/delivery/{id}',
    summary: 'Reach and engagement of a delivery (§九, §六 counting)',
    tags: ['stats'],
    security: 'bearer',
    parameters: [id('The delivery id.'), ...RANGE, ...FILTERS],
    responses: {
      '200': {
        description: 'The delivery’s numbers.',
        schema: {
          type: 'object',
          required: ['delivery_id', ...DELIVERY_NUMBERS, 'daily_stats'],
          properties: {
            ...(counts(['target_users', 'viewed_users', 'clicked_users', 'completed_users'])
              .properties as object),
            delivery_id: { type: 'string' },
            view_rate: { type: 'number' },
            click_rate: { type: 'number' },
            completion_rate: { type: 'number' },
            expands: {
              type: 'integer',
              minimum: 0,
              description: 'recommend_expand_collapse events with action expand, each once.',
            },
            collapses: {
              type: 'integer',
              minimum: 0,
              description: 'recommend_expand_collapse events with action collapse, each once.',
            },
            daily_stats: daily(['views', 'clicks', 'completions']),
          },
        },
      },
      ...REFUSALS,
    },
  },
  {
    method: 'get',
    path: '/api/stats/action/{id}',
    summary: 'The funnel of an Onchain Action (§九)',
    tags: ['stats'],
    security: 'bearer',
    parameters: [id('The Action id.'), ...RANGE, ...FILTERS],
    responses: {
      '200': {
        description: 'The Action’s numbers.',
        schema: {
          type: 'object',
          required: [
            'action_id',
            'page_views',
            'card_clicks',
            'starts',
            'completions',
            'conversion_rate',
            'reward_claims',
            'funnel',
            'completion_rate',
            'daily_stats',
          ],
          properties: {
            action_id: { type: 'string' },
            ...(counts(['page_views', 'card_clicks', 'starts', 'completions'])
              .properties as object),
            conversion_rate: { type: 'number' },
            reward_claims: int,
            funnel: list(FUNNEL_STEP),
            completion_rate: { type: 'number', minimum: 0 },
            daily_stats: {
              type: 'array',
              items: {
                type: 'object',
                required: [
                  'date',
                  'views',
                  'card_clicks',
                  'starts',
                  'completions',
                  'reward_claims',
                  'started_users',
                  'completed_users',
                  'completion_rate',
                ],
                properties: {
                  date: DAY,
                  ...Object.fromEntries(
                    [
                      'views',
                      'card_clicks',
                      'starts',
                      'completions',
                      'reward_claims',
                      'started_users',
                      'completed_users',
                    ].map((field) => [field, int]),
                  ),
                  completion_rate: { type: 'number', minimum: 0 },
                },
              },
            },
          },
        },
      },
      ...REFUSALS,
    },
  },
  {
    method: 'get',
    path: '/api/stats/overview',
    summary: 'Page views, unique users and top pages',
    tags: ['stats'],
    security: 'bearer',
    parameters: [
      ...RANGE,
      ...FILTERS,
      integer('limit', 'How many pages top_pages lists.', 1, 100, 10),
    ],
    responses: {
      '200': {
        description: 'The overview.',
        schema: {
          type: 'object',
          required: ['pv', 'uv', 'daily_stats', 'top_pages'],
          properties: {
            pv: { type: 'integer', minimum: 0 },
            uv: { type: 'integer', minimum: 0 },
            daily_stats: daily(['pv', 'uv']),
            top_pages: {
              type: 'array',
              items: {
                type: 'object',
                required: ['page', 'pv', 'uv'],
                properties: {
                  page: { type: 'string' },
                  pv: { type: 'integer' },
                  uv: { type: 'integer' },
                },
              },
            },
          },
        },
      },
      ...REFUSALS,
    },
  },
  {
    method: 'get',
    path: '/api/stats/sources',
    summary: 'Page views and unique people per traffic source (utm, else referring domain)',
    tags: ['stats'],
    security: 'bearer',
    parameters: [...RANGE, ...FILTERS],
    responses: {
      '200': {
        description:
          'Per source, medium and campaign, most page views first (at most 500 rows). Without utm_source a page view counts under its referring domain (medium referral), without either under (direct).',
        schema: {
          type: 'object',
          required: ['sources'],
          properties: {
            sources: {
              type: 'array',
              maxItems: 500,
              items: {
                type: 'object',
                required: ['source', 'medium', 'campaign', 'pv', 'uv'],
                properties: {
                  source: { type: 'string' },
                  medium: { type: 'string' },
                  campaign: { type: 'string' },
                  pv: { type: 'integer', minimum: 1 },
                  uv: { type: 'integer', minimum: 1 },
                },
              },
            },
          },
        },
      },
      ...REFUSALS,
    },
  },
  {
    method: 'get',
    path: '/api/stats/deliveries',
    summary: 'The deliveries the token may read, with their reach',
    description:
      'Admin: every delivery with a target set or an event in the range. Partner: the deliveries of its token.',
    tags: ['stats'],
    security: 'bearer',
    parameters: [...RANGE, ...FILTERS],
    responses: {
      '200': {
        description: 'The deliveries, by id.',
        schema: obj({
          deliveries: list(
            obj({
              delivery_id: str,
              target_users: int,
              viewed_users: int,
              clicked_users: int,
              completed_users: int,
            }),
          ),
        }),
      },
      ...REFUSALS,
    },
  },
  {
    method: 'get',
    path: '/api/stats/actions',
    summary: 'Every Onchain Action with events in the range, and its funnel’s ends',
    tags: ['stats'],
    security: 'bearer',
    parameters: [...RANGE, ...FILTERS, integer('limit', 'How many Actions.', 1, 1000, 100)],
    responses: {
      '200': {
        description: 'Actions, most started first.',
        schema: obj({
          actions: list(
            obj({
              action_id: str,
              page_views: int,
              started_users: int,
              completed_users: int,
              completion_rate: { type: 'number', minimum: 0 },
            }),
          ),
        }),
      },
      ...REFUSALS,
    },
  },
  {
    method: 'get',
    path: '/api/stats/paths',
    summary: 'The most common page sequences within sessions, as a Sankey',
    description:
      'Give exactly one of start (paths from the first view of that page in a session) or end (paths leading to the last view of it). Repeated views of one page in a row count once.',
    tags: ['stats'],
    security: 'bearer',
    parameters: [
      {
        name: 'start',
        in: 'query',
        description: 'The page the paths start at (exclusive with end).',
        schema: { type: 'string', minLength: 1, maxLength: 512 },
      },
      {
        name: 'end',
        in: 'query',
        description: 'The page the paths lead to (exclusive with start).',
        schema: { type: 'string', minLength: 1, maxLength: 512 },
      },
      integer('depth', 'Pages per path, the anchor page included.', 2, 8, 4),
      integer('limit', 'How many paths; also how many pages each step keeps as nodes.', 1, 50, 10),
      ...RANGE,
      ...FILTERS,
    ],
    responses: {
      '200': {
        description: 'Nodes and links with session counts, and the top paths.',
        schema: obj({
          direction: { enum: ['from', 'to'] },
          page: str,
          depth: int,
          sessions: int,
          nodes: list(obj({ id: str, step: int, page: str, sessions: int })),
          links: list(obj({ source: str, target: str, sessions: int })),
          paths: list(obj({ pages: list(str), sessions: int })),
        }),
      },
      ...REFUSALS,
    },
  },
  {
    method: 'get',
    path: '/api/stats/health',
    summary: 'The tracking’s own health (§八): volume, refusals, lag, drops, plan coverage',
    tags: ['stats'],
    security: 'bearer',
    parameters: [...FILTERS, RANGE[2]!],
    responses: {
      '200': {
        description: 'The health view’s numbers.',
        schema: obj({
          generated_at: int,
          bucket_seconds: int,
          throughput: list(
            obj({
              start: int,
              accepted: int,
              rejected: { type: 'object', additionalProperties: int },
            }),
          ),
          rejected_source: { enum: ['this_process', 'store', 'unavailable'] },
          consumer_lag: obj(
            {
              source: { enum: ['embedded', 'kafka', 'unavailable'] },
              total: { type: ['integer', 'null'] },
              partitions: { type: 'object', additionalProperties: int },
            },
            [],
          ),
          events_today: list(
            obj({ event_name: str, today: int, last_week: int, drop: { type: 'boolean' } }),
          ),
          unseen_plan_events: list(str),
          unknown_events: list(obj({ event_name: str, events: int, last_seen: int })),
          sdk_versions: list(obj({ sdk_version: str, platform: str, events: int, users: int })),
        }),
      },
      ...REFUSALS,
    },
  },
  {
    method: 'get',
    path: '/api/stats/live',
    summary: 'The last events as they arrive, with their validation result',
    description:
      'Events in the order they became visible in the store. Poll with since=<cursor of the previous answer> to get the events stored since (oldest first); without since, the last `limit` events. An answer may repeat events of the previous answers stored within the last few seconds before it: drop them by event_id.',
    tags: ['stats'],
    security: 'bearer',
    parameters: [
      {
        name: 'since',
        in: 'query',
        description:
          'The cursor of a previous answer (a receive-time cursor `<ms>[:<event_id>]` of an older server is still read).',
        schema: { type: 'string', pattern: CURSOR_PATTERN },
      },
      integer('limit', 'How many events at most.', 1, 500, 50),
      {
        name: 'user_id',
        in: 'query',
        description: 'Only this user’s events.',
        schema: { type: 'string', minLength: 1, maxLength: 256 },
      },
      {
        name: 'event_name',
        in: 'query',
        description: 'Only events of this name.',
        schema: { type: 'string', minLength: 1, maxLength: 128 },
      },
      ...FILTERS,
    ],
    responses: {
      '200': {
        description: 'Events, oldest first, and the cursor to poll with next.',
        schema: obj({ events: list(LIVE_EVENT), cursor: str }),
      },
      ...REFUSALS,
    },
  },
  {
    method: 'get',
    path: '/api/stats/whoami',
    summary: 'What the presented token may see',
    tags: ['stats'],
    security: 'bearer',
    responses: {
      '200': {
        description: 'The role, and for a partner its deliveries.',
        schema: {
          oneOf: [
            obj({ role: { const: 'admin' } }),
            obj({ role: { const: 'partner' }, name: str, delivery_ids: list(str) }),
          ],
        },
      },
      ...REFUSALS,
    },
  },
  {
    method: 'post',
    path: '/api/admin/partner-tokens',
    summary: 'Issue a partner token scoped to deliveries (the token is shown once)',
    tags: ['admin'],
    security: 'bearer',
    body: {
      required: true,
      contentTypes: ['application/json'],
      schema: {
        type: 'object',
        required: ['name', 'delivery_ids'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 128 },
          delivery_ids: {
            type: 'array',
            minItems: 1,
            maxItems: 100,
            items: { type: 'string', minLength: 1, maxLength: 128 },
          },
        },
      },
    },
    responses: {
      '201': {
        description: 'Issued; `token` is not stored and cannot be read again.',
        schema: {
          ...PARTNER_TOKEN,
          required: [...(PARTNER_TOKEN.required as string[]), 'token'],
          properties: { ...(PARTNER_TOKEN.properties as object), token: str },
        },
      },
      ...REFUSALS,
      '413': errorResponse('Body over 4 KB.'),
    },
  },
  {
    method: 'get',
    path: '/api/admin/partner-tokens',
    summary: 'List partner tokens (never the tokens themselves)',
    tags: ['admin'],
    security: 'bearer',
    responses: {
      '200': {
        description: 'Every token, newest first.',
        schema: obj({ tokens: list(PARTNER_TOKEN) }),
      },
      ...REFUSALS,
    },
  },
  {
    method: 'delete',
    path: '/api/admin/partner-tokens/{id}',
    summary: 'Revoke a partner token',
    tags: ['admin'],
    security: 'bearer',
    parameters: [id('The token’s id (from the list), not the token.')],
    responses: {
      '200': { description: 'Revoked (again, if it was).', schema: PARTNER_TOKEN },
      ...REFUSALS,
      '404': errorResponse('No token has this id.'),
    },
  },
  {
    method: 'put',
    path: '/api/admin/deliveries/{id}',
    summary: 'Set a delivery’s target users',
    tags: ['admin'],
    security: 'bearer',
    parameters: [id('The delivery id.')],
    body: {
      required: true,
      contentTypes: ['application/json'],
      schema: {
        type: 'object',
        required: ['target_users'],
        properties: { target_users: { type: 'integer', minimum: 0 } },
      },
    },
    responses: {
      '200': {
        description: 'Set.',
        schema: {
          type: 'object',
          required: ['code', 'message', 'delivery_id', 'target_users'],
          properties: {
            code: { const: 200 },
            message: { type: 'string' },
            delivery_id: { type: 'string' },
            target_users: { type: 'integer' },
          },
        },
      },
      ...REFUSALS,
      '413': errorResponse('Body over 4 KB.'),
    },
  },
  {
    method: 'delete',
    path: '/api/admin/users/{user_id}',
    summary: 'Erase a person (GDPR / PIPL erasure request)',
    description:
      'Deletes every event stored under the user id and under each anonymous id first linked to it, their identity links, and the rollup and overview snapshots built from them; records an audit row (who, when, rows removed, a salted hash of the id — never the id). Answers once done: the stats no longer count the person. Idempotent: again, it removes 0 rows.',
    tags: ['admin'],
    security: 'bearer',
    parameters: [
      {
        name: 'user_id',
        in: 'path' as const,
        required: true,
        description: 'The identified user id (as sent in user_id after identify()).',
        schema: { type: 'string', minLength: 1 },
      },
    ],
    responses: {
      '200': {
        description: 'Erased.',
        schema: {
          type: 'object',
          required: [
            'code',
            'message',
            'erasure_id',
            'anonymous_ids',
            'rows_removed',
            'subject_hash',
          ],
          properties: {
            code: { const: 200 },
            message: { type: 'string' },
            erasure_id: { type: 'string', format: 'uuid' },
            anonymous_ids: { type: 'integer', minimum: 0 },
            rows_removed: { type: 'integer', minimum: 0 },
            subject_hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        },
      },
      ...REFUSALS,
      '503': errorResponse(
        'ClickHouse was still deleting after 10 minutes (a big store): not complete yet, the deletions go on. Call again: it waits for the same deletions and answers 200 when they are done.',
      ),
    },
  },
]
