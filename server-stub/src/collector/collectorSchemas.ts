import {
  errorResponse,
  type JsonSchema,
  type ResponseSchema,
  type RouteSchema,
} from '../http/openapi'

/** One event of §五 (the tracking plan checks each one further, per event). */
const EVENT: JsonSchema = {
  type: 'object',
  required: [
    'event_id',
    'event_name',
    'user_id',
    'timestamp',
    'platform',
    'page',
    'session_id',
    'properties',
  ],
  properties: {
    event_id: { type: 'string', format: 'uuid' },
    event_name: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
    user_id: { type: 'string', minLength: 1 },
    anonymous_id: {
      type: 'string',
      description:
        'The device’s anonymous id; differing from user_id, it links the two so stats count one person. Optional.',
    },
    timestamp: {
      type: 'integer',
      description:
        'Device clock, ms. The event’s time is timestamp + clock_offset, at most 1 h ahead of the server and no older than the retention.',
    },
    clock_offset: {
      type: 'integer',
      description: 'Server clock minus device clock, ms, as the SDK measured it. Absent means 0.',
    },
    platform: { type: 'string' },
    page: { type: 'string' },
    session_id: { type: 'string', minLength: 1 },
    properties: { type: 'object', additionalProperties: true },
  },
}

/** The signed body of §五. */
const ENVELOPE: JsonSchema = {
  type: 'object',
  required: ['app_id', 'events'],
  properties: {
    app_id: { type: 'string', minLength: 1 },
    timestamp: { type: 'integer', description: 'Signing time, ms (§五.5).' },
    sign: { type: 'string', description: 'md5(app_id + timestamp + secret), hex.' },
    sdk_version: { type: ['string', 'null'], maxLength: 64 },
    app_version: { type: ['string', 'null'], maxLength: 64 },
    // More than 100 (TRACKPOINT_MAX_EVENTS_PER_REQUEST) is answered 413 ("split the batch", which
    // the SDK does), not 400, so the limit is stated here rather than as maxItems.
    events: {
      type: 'array',
      minItems: 1,
      items: EVENT,
      description: 'At most 100 events (TRACKPOINT_MAX_EVENTS_PER_REQUEST); more get 413.',
    },
  },
}

const REJECTED: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['event_index', 'errors'],
    properties: {
      event_index: { type: 'integer' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['field', 'code', 'message'],
          properties: {
            field: { type: 'string' },
            code: { type: 'string' },
            message: { type: 'string' },
          },
        },
      },
    },
  },
}

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait.', schema: { type: 'string' } },
}

/** The refusals every track route may answer. */
const TRACK_REFUSALS: Record<string, ResponseSchema> = {
  '400': {
    description:
      'Not JSON, a wrong envelope, Content-Type or encoding, or no event accepted (with rejected).',
    schema: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'integer' }, message: { type: 'string' }, rejected: REJECTED },
    },
  },
  '401': errorResponse(
    'Unknown app, wrong signature or Bearer, stale timestamp, origin or IP not allowed.',
  ),
  '413': errorResponse('Over 64 KiB on the wire, over 1 MiB after gunzip, or over 100 events.'),
  '429': { ...errorResponse('Over the per-IP or per-app rate.'), headers: RETRY_AFTER },
  '500': errorResponse('Internal error; retry later.'),
  '503': { ...errorResponse('Storage cannot take events now; retry later.'), headers: RETRY_AFTER },
}

const BODY = {
  required: true,
  contentTypes: ['application/json', 'text/plain'],
  schema: ENVELOPE,
}

const trackRoute = (path: string, summary: string): RouteSchema => ({
  method: 'post',
  path,
  summary,
  tags: ['collector'],
  body: BODY,
  responses: {
    '200': {
      description: 'Stored (after the bus acknowledged); rejected lists the events refused.',
      schema: {
        type: 'object',
        required: ['code', 'message', 'processed_count'],
        properties: {
          code: { const: 200 },
          message: { type: 'string' },
          request_id: { type: 'string' },
          processed_count: { type: 'integer', minimum: 1 },
          rejected: REJECTED,
          unplanned: {
            ...REJECTED,
            description:
              'Events stored although the tracking plan in force does not cover them (TRACKPOINT_UNPLANNED flag or accept), with the reasons.',
          },
        },
      },
    },
    ...TRACK_REFUSALS,
  },
})

const preflight = (path: string): RouteSchema => ({
  method: 'options',
  path,
  summary: 'CORS preflight',
  tags: ['collector'],
  responses: { '204': { description: 'The CORS headers for the request’s Origin.' } },
})

/** The collector's routes (§五), for the OpenAPI document. */
export const COLLECTOR_ROUTES: readonly RouteSchema[] = [
  trackRoute('/api/v1/track', 'Send events (1–100)'),
  trackRoute('/api/v1/track/batch', 'Send a batch of events (at most 100)'),
  {
    method: 'post',
    path: '/api/v1/track/debug',
    summary: 'Validate events and report per event; never stores',
    tags: ['collector'],
    body: BODY,
    responses: {
      '200': {
        description: 'The validation result of each event.',
        schema: {
          type: 'object',
          required: ['code', 'message', 'debug_info'],
          properties: {
            code: { const: 200 },
            message: { type: 'string' },
            request_id: { type: 'string' },
            debug_info: {
              type: 'object',
              required: ['validation_results', 'processing_time_ms', 'would_be_stored'],
              properties: {
                validation_results: { type: 'array' },
                processing_time_ms: { type: 'integer' },
                would_be_stored: { type: 'boolean' },
              },
            },
          },
        },
      },
      ...TRACK_REFUSALS,
    },
  },
  preflight('/api/v1/track'),
  preflight('/api/v1/track/batch'),
  preflight('/api/v1/track/debug'),
  {
    method: 'get',
    path: '/api/v1/track/health',
    summary: 'Health of the collector (§五.4)',
    tags: ['collector'],
    responses: {
      '200': { description: '`healthy` or `degraded`.', schema: healthSchema() },
      '503': { description: '`unhealthy` or `draining`.', schema: healthSchema() },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tags: ['collector'],
    responses: {
      '200': { description: 'Text exposition format 0.0.4.', text: 'text/plain' },
    },
  },
]

function healthSchema(): JsonSchema {
  return {
    type: 'object',
    required: ['status', 'version', 'kafka_connected', 'clickhouse_connected', 'uptime_seconds'],
    properties: {
      status: { enum: ['healthy', 'degraded', 'unhealthy', 'draining'] },
      version: { type: 'string' },
      kafka_connected: { type: 'boolean' },
      clickhouse_connected: { type: ['boolean', 'null'] },
      uptime_seconds: { type: 'integer', minimum: 0 },
    },
  }
}
