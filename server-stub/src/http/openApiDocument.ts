import { COLLECTOR_ROUTES } from '../collector/collectorSchemas'
import { COLLECTOR_VERSION } from '../collector/createCollector'
import { PLAN_ROUTES } from '../plan/planSchemas'
import { STATS_ROUTES } from '../stats/statsSchemas'
import { buildOpenApi } from './openapi'

/** Where every HTTP process serves the OpenAPI 3.1 document of the collector and stats APIs. */
export const OPENAPI_PATH = '/api/openapi.json'

let openApi: Record<string, unknown> | undefined
/**
 * The OpenAPI document, built once from the route schemas. Its own module, apart from
 * startServer.ts, so that scripts/generateApiTypes.mjs can bundle it without the backends.
 */
export function openApiDocument(): Record<string, unknown> {
  openApi ??= buildOpenApi(
    [...COLLECTOR_ROUTES, ...STATS_ROUTES, ...PLAN_ROUTES],
    COLLECTOR_VERSION,
  )
  return openApi
}
