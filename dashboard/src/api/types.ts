// The answers of the stats API the dashboard reads, by the names the views use. Every one is
// derived from openapi.d.ts, which scripts/generateApiTypes.mjs generates from the server's
// OpenAPI document (`npm run generate:api-types`): a field renamed or removed in a route schema
// fails the dashboard's type check instead of its views at run time. A field missing here is
// missing from the server's route schema (server-stub/src/stats/statsSchemas.ts): add it there.
import type { paths } from './openapi'

/** The paths of the document that have a `get`. */
type GetPath = {
  [P in keyof paths]: paths[P]['get'] extends { responses: object } ? P : never
}[keyof paths]

/** The JSON body of the 200 answer of `GET path`, as the server's schema declares it. */
export type StatsAnswer<P extends GetPath> =
  NonNullable<paths[P]['get']> extends {
    responses: { 200: { content: { 'application/json': infer Body } } }
  }
    ? Body
    : never

/** The JSON body `method path` takes, as the server's schema declares it. */
export type StatsBody<P extends keyof paths, M extends 'post' | 'put'> =
  NonNullable<paths[P][M]> extends {
    requestBody: { content: { 'application/json': infer Body } }
  }
    ? Body
    : never

/** `GET /api/stats/whoami`: admin, or a partner with its deliveries. */
export type WhoAmI = StatsAnswer<'/api/stats/whoami'>

/** `GET /api/stats/overview`. */
export type Overview = StatsAnswer<'/api/stats/overview'>

/** `GET /api/stats/action/{id}`. */
export type ActionStats = StatsAnswer<'/api/stats/action/{id}'>

/** One step of an Action's funnel. */
export type FunnelStep = ActionStats['funnel'][number]

/** `GET /api/stats/actions`. */
export type ActionList = StatsAnswer<'/api/stats/actions'>

/** `GET /api/stats/delivery/{id}`. */
export type DeliveryStats = StatsAnswer<'/api/stats/delivery/{id}'>

/** `GET /api/stats/deliveries`. */
export type DeliveryList = StatsAnswer<'/api/stats/deliveries'>

/** The body of `PUT /api/admin/deliveries/{id}`: the delivery's target users. */
export type DeliveryTarget = StatsBody<'/api/admin/deliveries/{id}', 'put'>

/** `GET /api/stats/paths`. */
export type UserPaths = StatsAnswer<'/api/stats/paths'>

/** `GET /api/stats/health`. */
export type TrackingHealth = StatsAnswer<'/api/stats/health'>

/** `GET /api/stats/live`. */
export type LiveEvents = StatsAnswer<'/api/stats/live'>

/** One event of `GET /api/stats/live`. */
export type LiveEvent = LiveEvents['events'][number]
