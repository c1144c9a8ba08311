import { errorResponse, type JsonSchema, type RouteSchema } from '../http/openapi'

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
  '400': errorResponse('A malformed date, range, time zone, path or body.'),
  '401': errorResponse('Send Authorization: Bearer <TRACKPOINT_ADMIN_TOKEN>.'),
  '500': errorResponse('Internal error.'),
}

/** The stats API's routes (§九), for the OpenAPI document. */
export const STATS_ROUTES: readonly RouteSchema[] = [
  {
    method: 'get',
    path: '/api/stats/delivery/{id}',
    summary: 'Reach and engagement of a delivery (§九, §六 counting)',
    tags: ['stats'],
    security: 'bearer',
    parameters: [id('The delivery id.'), ...RANGE],
    responses: {
      '200': {
        description: 'The delivery’s numbers.',
        schema: {
          ...counts([
            'target_users',
            'viewed_users',
            'clicked_users',
            'completed_users',
            'view_rate',
            'click_rate',
            'completion_rate',
          ]),
          required: ['delivery_id', 'daily_stats'],
          properties: {
            ...(counts(['target_users', 'viewed_users', 'clicked_users', 'completed_users'])
              .properties as object),
            delivery_id: { type: 'string' },
            view_rate: { type: 'number' },
            click_rate: { type: 'number' },
            completion_rate: { type: 'number' },
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
    parameters: [id('The Action id.'), ...RANGE],
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
            'daily_stats',
          ],
          properties: {
            action_id: { type: 'string' },
            ...(counts(['page_views', 'card_clicks', 'starts', 'completions'])
              .properties as object),
            conversion_rate: { type: 'number' },
            daily_stats: daily(['views', 'starts', 'completions']),
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
    parameters: RANGE,
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
    parameters: RANGE,
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
    },
  },
]
