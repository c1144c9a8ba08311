import { errorResponse, type JsonSchema, type RouteSchema } from '../http/openapi'

const NULLABLE_STRING: JsonSchema = { type: ['string', 'null'] }

const CHANGES: JsonSchema = {
  type: 'array',
  description: 'Differences from the plan installed before (diffPlans of @trackpoint/schema).',
  items: {
    type: 'object',
    required: ['kind', 'event', 'breaking', 'message'],
    properties: {
      kind: { type: 'string' },
      event: { type: 'string' },
      field: { type: 'string' },
      breaking: { type: 'boolean' },
      message: { type: 'string' },
    },
  },
}

const PROBLEMS: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['severity', 'path', 'message'],
    properties: {
      severity: { enum: ['error', 'warning'] },
      path: { type: 'string' },
      message: { type: 'string' },
    },
  },
}

const REFUSALS = {
  '401': errorResponse('Send Authorization: Bearer <TRACKPOINT_ADMIN_TOKEN>.'),
  '500': errorResponse('Internal error.'),
}

/** The plan routes, for the OpenAPI document. */
export const PLAN_ROUTES: readonly RouteSchema[] = [
  {
    method: 'get',
    path: '/api/plan',
    summary: 'The tracking plan the server follows',
    description:
      'The installed plan file, its version, who installed it and when, the effective events (the built-in events of §三/§八 plus the file’s), and the policy for events the plan does not cover.',
    tags: ['plan'],
    security: 'bearer',
    responses: {
      '200': {
        description: 'The plan in force.',
        schema: {
          type: 'object',
          required: [
            'version',
            'installed_at',
            'installed_by',
            'unplanned_policy',
            'file',
            'events',
          ],
          properties: {
            version: { type: 'integer', minimum: 0, description: '0: the built-in plan alone.' },
            installed_at: NULLABLE_STRING,
            installed_by: NULLABLE_STRING,
            unplanned_policy: { enum: ['flag', 'accept', 'reject'] },
            file: {
              type: ['object', 'null'],
              additionalProperties: true,
              description: 'The plan file as installed.',
            },
            events: {
              type: 'object',
              additionalProperties: true,
              description: 'Every event of the plan, by name.',
            },
          },
        },
      },
      ...REFUSALS,
    },
  },
  {
    method: 'put',
    path: '/api/admin/plan',
    summary: 'Install a new version of the tracking plan',
    description:
      'Checks the plan file as `trackpoint-plan check` does, requires a version higher than the installed one, and refuses breaking changes unless allow_breaking; every role follows the new plan within seconds.',
    tags: ['admin', 'plan'],
    security: 'bearer',
    body: {
      required: true,
      contentTypes: ['application/json'],
      schema: {
        type: 'object',
        required: ['plan', 'author'],
        properties: {
          plan: {
            type: 'object',
            additionalProperties: true,
            description:
              'The plan file (JSON Schema: @trackpoint/schema/plan.schema.json), e.g. the content of tracking-plan.json.',
          },
          author: {
            type: 'string',
            minLength: 1,
            maxLength: 200,
            description: 'Who installs it; recorded with the plan.',
          },
          allow_breaking: {
            type: 'boolean',
            description: 'Let breaking changes through. @default false',
          },
        },
      },
    },
    responses: {
      '200': {
        description: 'Installed and in force.',
        schema: {
          type: 'object',
          required: ['code', 'message', 'version', 'installed_at', 'installed_by', 'changes'],
          properties: {
            code: { const: 200 },
            message: { type: 'string' },
            version: { type: 'integer', minimum: 1 },
            installed_at: { type: 'string' },
            installed_by: { type: 'string' },
            changes: CHANGES,
            warnings: PROBLEMS,
          },
        },
      },
      '400': {
        description: 'Not JSON, a malformed body, or a plan file with errors (with problems).',
        schema: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'integer' },
            message: { type: 'string' },
            problems: PROBLEMS,
          },
        },
      },
      '409': {
        description:
          'The version is not higher than the installed one, or the plan has breaking changes (with changes) and allow_breaking is not set.',
        schema: {
          type: 'object',
          required: ['code', 'message', 'current_version'],
          properties: {
            code: { const: 409 },
            message: { type: 'string' },
            current_version: { type: 'integer' },
            changes: CHANGES,
          },
        },
      },
      '413': errorResponse('Body over 1 MiB.'),
      '503': errorResponse('The plan store (Kafka) cannot be written now; retry later.'),
      ...REFUSALS,
    },
  },
]
