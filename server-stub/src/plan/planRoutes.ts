import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { methodNotAllowed, sendJson } from '../http/createHttpServer'
import { HttpError } from '../http/httpError'
import { readRawBody } from '../http/readBody'
import { authorized } from '../stats/statsRoutes'
import type { UnplannedPolicy } from './planPolicy'
import { PLAN_ROUTES } from './planSchemas'
import type { PlanStore } from './planStore'
import { preparePlanInstall, readPlanInstallRequest } from './preparePlanInstall'

/** Options of {@link planRoutes}. */
export interface PlanRoutesOptions {
  store: PlanStore
  /** Bearer token of both routes (`TRACKPOINT_ADMIN_TOKEN`). */
  adminToken: string
  /** The collector's `TRACKPOINT_UNPLANNED`, reported with the plan. */
  unplanned: UnplannedPolicy
}

/** A plan file is far larger than the other admin bodies; 1 MiB holds thousands of events. */
const PLAN_BODY_BYTES = 1_048_576

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

/**
 * `GET /api/plan` (the plan in force, for the dashboard and tooling) and `PUT /api/admin/plan`
 * (`{ plan, author, allow_breaking? }`: install a new version), as a Fastify plugin served by
 * the stats role, which holds the admin token. Both need `Authorization: Bearer
 * <TRACKPOINT_ADMIN_TOKEN>`, checked before the body is read.
 */
export const planRoutes: FastifyPluginAsync<PlanRoutesOptions> = async (app, options) => {
  const { store } = options
  app.addHook('onRequest', async (request) => {
    if (!authorized(request, options.adminToken)) {
      throw new HttpError(401, 'Send Authorization: Bearer <TRACKPOINT_ADMIN_TOKEN>', 'no_token')
    }
  })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', async (request: FastifyRequest) =>
    readRawBody(request.raw, PLAN_BODY_BYTES),
  )

  const handlers: Record<string, [method: 'GET' | 'PUT', Handler]> = {
    '/api/plan': [
      'GET',
      async (_request, reply) => {
        const { version, installed_at, installed_by, file, plan } = store.current()
        sendJson(reply, 200, {
          version,
          installed_at,
          installed_by,
          unplanned_policy: options.unplanned,
          file,
          events: plan.events,
        })
      },
    ],
    '/api/admin/plan': [
      'PUT',
      async (request, reply) => {
        const body = readPlanInstallRequest(readJson(request.body))
        const { installed, changes, warnings } = await store.install((current) =>
          preparePlanInstall(current, body.plan, body.author, body.allow_breaking),
        )
        sendJson(reply, 200, {
          code: 200,
          message: `plan version ${installed.version} installed`,
          version: installed.version,
          installed_at: installed.installed_at,
          installed_by: installed.installed_by,
          changes,
          warnings,
        })
      },
    ],
  }
  for (const path of new Set(PLAN_ROUTES.map((route) => route.path))) {
    const [method, handler] = handlers[path]!
    app.all(path, {
      config: { openapi: PLAN_ROUTES.filter((route) => route.path === path) },
      onRequest: async (request) => {
        if (request.method !== method) {
          const message = `${request.method} is not allowed on ${path}; use ${method}`
          throw methodNotAllowed(path, method, message)
        }
      },
      handler,
    })
  }
}

function readJson(body: unknown): unknown {
  try {
    return JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : '')
  } catch {
    throw new HttpError(400, 'Body must be JSON, at most 1 MiB', 'bad_json')
  }
}
