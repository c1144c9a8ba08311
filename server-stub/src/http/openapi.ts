/**
 * Route schemas, written beside the routes they describe, and the OpenAPI 3.1 document built
 * from them (`GET /api/openapi.json`). The schemas are JSON Schema 2020-12, which OpenAPI 3.1
 * takes as is; Schemathesis fuzzes the running server from the document.
 */

/** A JSON Schema object. */
export type JsonSchema = Record<string, unknown>

/** One answer of a route. */
export interface ResponseSchema {
  description: string
  /** The JSON body's schema; `text` for a text body instead. */
  schema?: JsonSchema
  /** A text body (`/metrics`) instead of JSON. */
  text?: string
  /** Headers the answer carries, by name. */
  headers?: Record<string, { description: string; schema: JsonSchema }>
}

/** One operation: a method on a path. */
export interface RouteSchema {
  method: 'get' | 'post' | 'put' | 'delete' | 'options'
  /** OpenAPI path, with `{param}` templates. */
  path: string
  summary: string
  description?: string
  tags: string[]
  /** `bearer`: needs `Authorization: Bearer <token>` (documented as the `bearer` scheme). */
  security?: 'bearer'
  parameters?: {
    name: string
    in: 'path' | 'query' | 'header'
    required?: boolean
    description: string
    schema: JsonSchema
  }[]
  /** The JSON request body, by content type. */
  body?: { required: boolean; contentTypes: string[]; schema: JsonSchema }
  responses: Record<string, ResponseSchema>
}

/** The error body every refusal has: `{code, message, request_id?}` and fields some add. */
export const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'integer', description: 'The HTTP status again (§五).' },
    message: { type: 'string', description: 'What is wrong and how to fix it.' },
    request_id: { type: 'string' },
  },
}

/** A JSON error answer described as `description`. */
export const errorResponse = (description: string): ResponseSchema => ({
  description,
  schema: ERROR_SCHEMA,
})

/**
 * Builds the OpenAPI 3.1 document of `routes`.
 *
 * @param routes - Every operation, from the route modules.
 * @param version - The API version shown in `info`.
 */
export function buildOpenApi(routes: readonly RouteSchema[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const responses: Record<string, unknown> = {}
    for (const [status, answer] of Object.entries(route.responses)) {
      responses[status] = {
        description: answer.description,
        ...(answer.headers && { headers: answer.headers }),
        ...(answer.schema && { content: { 'application/json': { schema: answer.schema } } }),
        ...(answer.text && { content: { [answer.text]: { schema: { type: 'string' } } } }),
      }
    }
    ;(paths[route.path] ??= {})[route.method] = {
      summary: route.summary,
      ...(route.description && { description: route.description }),
      tags: route.tags,
      operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string = '') => c.toUpperCase())}`,
      security: route.security ? [{ bearer: [] }] : [],
      ...(route.parameters && { parameters: route.parameters }),
      ...(route.body && {
        requestBody: {
          required: route.body.required,
          content: Object.fromEntries(
            route.body.contentTypes.map((type) => [type, { schema: route.body!.schema }]),
          ),
        },
      }),
      responses,
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trackpoint server',
      version,
      description:
        'The collector (§五) and stats (§九) APIs of @trackpoint/server. See docs/server.md.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'TRACKPOINT_ADMIN_TOKEN for the stats API.',
        },
      },
    },
  }
}
