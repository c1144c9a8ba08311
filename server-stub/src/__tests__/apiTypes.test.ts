// The dashboard's API types (dashboard/src/api/openapi.d.ts) are generated from this server's
// OpenAPI document by scripts/generateApiTypes.mjs. Here: the committed file is what the
// generator makes from the route schemas now, and the route schemas say what the handlers
// answer — the answers' TypeScript types equal the types generated from the schemas, checked by
// `npm run typecheck` (expectTypeOf is a compile-time check).
import { readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { StatsAnswer as Answer } from '../../../dashboard/src/api/types'
import {
  API_TYPES_FILE,
  loadOpenApiDocument,
  REGENERATE_COMMAND,
  renderApiTypes,
} from '../../../scripts/generateApiTypes.mjs'
import type { ActionSummary } from '../stats/actionList'
import type { DeliverySummary } from '../stats/deliveryList'
import type { LiveEvent } from '../stats/liveEvents'
import type { OverviewStats } from '../stats/overview'
import type { PartnerToken } from '../stats/partnerTokens'
import type { ActionStats, DeliveryStats } from '../stats/queries'
import type { TrackingHealth } from '../stats/trackingHealth'
import type { UserPaths } from '../stats/userPaths'
import { openApiDocument } from '../startServer'

/**
 * true when each of A and B is assignable to the other: the same fields, each required on both
 * sides or on neither, of the same types. (expectTypeOf's own equality tells
 * `Record<string, number>` from `{ [key: string]: number }`, which are the same JSON.)
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

/** Renames `from` to `to` in the 200 answer schema of `GET path` of a copy of `document`. */
function renameAnswerField(
  document: Record<string, unknown>,
  path: string,
  from: string,
  to: string,
): Record<string, unknown> {
  const copy = structuredClone(document) as {
    paths: Record<string, { get: { responses: Record<string, unknown> } }>
  }
  const schema = (
    copy.paths[path]!.get.responses['200'] as {
      content: { 'application/json': { schema: Record<string, unknown> } }
    }
  ).content['application/json'].schema as { required: string[]; properties: object }
  const properties = schema.properties as Record<string, unknown>
  properties[to] = properties[from]
  delete properties[from]
  schema.required = schema.required.map((name) => (name === from ? to : name))
  return copy as Record<string, unknown>
}

describe('the dashboard’s generated API types', () => {
  it('are committed as the generator makes them from the route schemas now', async () => {
    const committed = readFileSync(API_TYPES_FILE, 'utf8')
    const generated = await renderApiTypes()
    expect(
      committed === generated,
      `${API_TYPES_FILE} is stale (a route schema changed): run ${REGENERATE_COMMAND} and commit it`,
    ).toBe(true)
  }, 60_000)

  it('are generated from the document the server serves', async () => {
    expect(await loadOpenApiDocument()).toEqual(openApiDocument())
  }, 60_000)

  it('change when a field of an answer is renamed, so the staleness check sees it', async () => {
    const renamed = renameAnswerField(
      openApiDocument(),
      '/api/stats/overview',
      'top_pages',
      'top_paths',
    )
    const generated = await renderApiTypes(renamed)
    expect(generated).not.toBe(readFileSync(API_TYPES_FILE, 'utf8'))
    expect(generated).toMatch(/\btop_paths: \{/)
    expect(generated).not.toMatch(/\btop_pages: \{/)
  }, 60_000)

  it('declare every field the stats handlers answer, and no other', () => {
    // Compile-time: a field the handler's type has and the schema lacks (or the other way
    // round, required on one side only, or of another type) fails `npm run typecheck`.
    expectTypeOf<Same<Answer<'/api/stats/overview'>, OverviewStats>>().toEqualTypeOf<true>()
    expectTypeOf<Same<Answer<'/api/stats/delivery/{id}'>, DeliveryStats>>().toEqualTypeOf<true>()
    expectTypeOf<
      Same<Answer<'/api/stats/deliveries'>, { deliveries: DeliverySummary[] }>
    >().toEqualTypeOf<true>()
    expectTypeOf<
      Same<Answer<'/api/stats/actions'>, { actions: ActionSummary[] }>
    >().toEqualTypeOf<true>()
    expectTypeOf<Same<Answer<'/api/stats/action/{id}'>, ActionStats>>().toEqualTypeOf<true>()
    expectTypeOf<Same<Answer<'/api/stats/paths'>, UserPaths>>().toEqualTypeOf<true>()
    expectTypeOf<Same<Answer<'/api/stats/health'>, TrackingHealth>>().toEqualTypeOf<true>()
    expectTypeOf<
      Same<Answer<'/api/stats/live'>, { events: LiveEvent[]; cursor: string }>
    >().toEqualTypeOf<true>()
    expectTypeOf<
      Same<Answer<'/api/admin/partner-tokens'>, { tokens: PartnerToken[] }>
    >().toEqualTypeOf<true>()
    // And the check can fail: a field missing, optional, or nullable on one side.
    expectTypeOf<Same<{ a: number }, { a: number; b: number }>>().toEqualTypeOf<false>()
    expectTypeOf<Same<{ a: number }, { a?: number }>>().toEqualTypeOf<false>()
    expectTypeOf<Same<{ a: number }, { a: number | null }>>().toEqualTypeOf<false>()
  })
})
