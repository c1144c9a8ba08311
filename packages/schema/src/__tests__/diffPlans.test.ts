import { describe, expect, it } from 'vitest'
import { diffPlans } from '../diffPlans'
import { readPlanFile, type PlanFile } from '../planFile'
import type { FieldSpec } from '../types'

const field = (type: FieldSpec['type'], extra: Partial<FieldSpec> = {}): FieldSpec => ({
  type,
  description: 'x',
  ...extra,
})
const planOf = (version: number, fields: Record<string, FieldSpec>, eventVersion = 1) => {
  const file: PlanFile = {
    version,
    events: { wallet_connect: { description: 'd', owner: 'web', version: eventVersion, fields } },
  }
  const { plan, problems } = readPlanFile(file)
  if (!plan) throw new Error(JSON.stringify(problems))
  return plan
}
const kinds = (before: Record<string, FieldSpec>, after: Record<string, FieldSpec>) =>
  diffPlans(planOf(1, before), planOf(2, after, 2)).map((c) => [c.kind, c.breaking])

describe('diffPlans', () => {
  it('finds no change between a plan and itself', () => {
    const plan = planOf(1, { chain_id: field('integer') })
    expect(diffPlans(plan, plan)).toEqual([])
  })

  it.each([
    [
      'a field made required',
      { a: field('string') },
      { a: field('string', { required: true }) },
      'field_required',
    ],
    ['a required field added', {}, { a: field('string', { required: true }) }, 'field_added'],
    ['a field removed', { a: field('string') }, {}, 'field_removed'],
    ['number → integer', { a: field('number') }, { a: field('integer') }, 'type_narrowed'],
    ['a min added', { a: field('number') }, { a: field('number', { min: 0 }) }, 'type_narrowed'],
    [
      'a min raised',
      { a: field('integer', { min: 0 }) },
      { a: field('integer', { min: 1 }) },
      'type_narrowed',
    ],
    ['an enum value removed', { a: field(['x', 'y']) }, { a: field(['x']) }, 'type_narrowed'],
    ['string → enum', { a: field('string') }, { a: field(['x']) }, 'type_narrowed'],
    ['string → number', { a: field('string') }, { a: field('number') }, 'type_changed'],
    ['an enum value swapped', { a: field(['x']) }, { a: field(['y']) }, 'type_changed'],
  ])('flags %s as breaking', (_, before, after, kind) => {
    expect(kinds(before, after)).toContainEqual([kind, true])
  })

  it.each([
    ['an optional field added', {}, { a: field('string') }, 'field_added'],
    [
      'a field made optional',
      { a: field('string', { required: true }) },
      { a: field('string') },
      'field_optional',
    ],
    ['integer → number', { a: field('integer') }, { a: field('number') }, 'type_widened'],
    ['an enum value added', { a: field(['x']) }, { a: field(['x', 'y']) }, 'type_widened'],
    ['enum → string', { a: field(['x']) }, { a: field('string') }, 'type_widened'],
    [
      'a min lowered',
      { a: field('number', { min: 5 }) },
      { a: field('number', { min: 1 }) },
      'type_widened',
    ],
  ])('reports %s as not breaking', (_, before, after, kind) => {
    expect(kinds(before, after)).toEqual([[kind, false]])
  })

  it('flags an event removed as breaking and an event added as not', () => {
    const withEvent = planOf(1, {})
    const builtInOnly = readPlanFile({ version: 2 }).plan!
    expect(diffPlans(withEvent, builtInOnly)).toContainEqual(
      expect.objectContaining({ kind: 'event_removed', event: 'wallet_connect', breaking: true }),
    )
    expect(diffPlans(builtInOnly, withEvent)).toContainEqual(
      expect.objectContaining({ kind: 'event_added', event: 'wallet_connect', breaking: false }),
    )
  })

  it('asks for a raised version when the plan or an event changed without one', () => {
    const changes = diffPlans(planOf(3, {}), planOf(3, { a: field('string') }))
    expect(changes.map((c) => c.message)).toEqual([
      'field "a" of "wallet_connect" added',
      'event "wallet_connect" changed but its version stayed 1; raise it above 1',
      'the plan changed but its version stayed 3; raise it above 3',
    ])
  })
})
