import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020'
import { describe, expect, it } from 'vitest'
import { readPlanFile } from '../planFile'
import { trackingPlan } from '../trackingPlan'
import { validateEvent } from '../validateEvent'
import { makeEvent } from './fixtures'

const ROOT = join(__dirname, '../../../..')
const example = JSON.parse(readFileSync(join(ROOT, 'examples/shared/tracking-plan.json'), 'utf8'))
const schema = JSON.parse(readFileSync(join(ROOT, 'packages/schema/plan.schema.json'), 'utf8'))
const validateShape = new Ajv2020({ allErrors: true }).compile(schema)

const walletEvent = {
  description: 'Connected a wallet.',
  owner: 'web',
  version: 1,
  fields: { wallet_type: { type: ['metamask', 'other'], required: true, description: 'Which.' } },
}
const withEvents = (events: Record<string, unknown>, rest: object = {}) => ({
  version: 1,
  events,
  ...rest,
})
const errorsOf = (value: unknown) =>
  readPlanFile(value).problems.filter((p) => p.severity === 'error')
const warningsOf = (value: unknown) =>
  readPlanFile(value).problems.filter((p) => p.severity === 'warning')

describe('readPlanFile', () => {
  it('builds the built-in plan plus the file: its events, its fields on built-in events, its version', () => {
    const { plan, problems } = readPlanFile(example)
    expect(problems).toEqual([])
    expect(plan!.version).toBe(2)
    expect(Object.keys(plan!.plan.events)).toEqual([
      ...Object.keys(trackingPlan.events),
      'wallet_connect',
    ])
    expect(Object.keys(plan!.plan.events.page_view!.fields)).toEqual([
      'page_name',
      'referrer',
      'utm_source',
      'utm_medium',
      'utm_campaign',
      'utm_term',
      'utm_content',
      'referrer_domain',
      'experiment',
    ])
    const event = makeEvent('wallet_connect', { wallet_type: 'metamask', chain_id: 1 })
    expect(validateEvent(event, plan!.plan).errors).toEqual([])
    expect(validateEvent({ ...event, properties: {} }, plan!.plan).valid).toBe(false)
    expect(validateEvent(event).valid).toBe(false)
  })

  it.each([
    ['not an object', [], /a plan file is a JSON object/],
    ['no version', { events: {} }, /the plan needs "version"/],
    ['a version of 0', { version: 0 }, /the plan needs "version"/],
    ['a misspelt top-level key', { version: 1, event: {} }, /unknown key "event"; the keys are/],
    ['events as a list', { version: 1, events: [] }, /"events" is an object by name/],
    [
      'an event name in camelCase',
      withEvents({ walletConnect: walletEvent }),
      /must be lower_snake_case/,
    ],
    ['an event already built in', withEvents({ page_view: walletEvent }), /already in the plan/],
    [
      'an event without owner',
      withEvents({ wallet_connect: { ...walletEvent, owner: '' } }),
      /needs an owner/,
    ],
    [
      'an event without version',
      withEvents({ wallet_connect: { ...walletEvent, version: undefined } }),
      /needs "version"/,
    ],
    [
      'an event without description',
      withEvents({ wallet_connect: { ...walletEvent, description: ' ' } }),
      /needs a description/,
    ],
    [
      'an event without fields',
      withEvents({ wallet_connect: { ...walletEvent, fields: undefined } }),
      /needs a fields object/,
    ],
    [
      'an unknown key in an event',
      withEvents({ wallet_connect: { ...walletEvent, tags: [] } }),
      /unknown key "tags"/,
    ],
    [
      'a field naming sensitive data',
      withEvents({
        wallet_import: {
          ...walletEvent,
          fields: { seed_phrase: { type: 'string', description: 'x' } },
        },
      }),
      /names sensitive data/,
    ],
    [
      'an unknown field type',
      withEvents({
        wallet_connect: { ...walletEvent, fields: { at: { type: 'date', description: 'x' } } },
      }),
      /has type "date"/,
    ],
    [
      'min on a string',
      withEvents({
        wallet_connect: {
          ...walletEvent,
          fields: { x: { type: 'string', min: 1, description: 'x' } },
        },
      }),
      /"min" of "x" needs a number type/,
    ],
    [
      'a field without description',
      withEvents({ wallet_connect: { ...walletEvent, fields: { x: { type: 'string' } } } }),
      /field "x" needs a description/,
    ],
    [
      'a field defined twice',
      { version: 1, fields: { page_view: { page_name: { type: 'string', description: 'x' } } } },
      /field "page_name" of event "page_view" is already defined/,
    ],
    [
      'fields for an event not in the plan',
      { version: 1, fields: { checkout: { x: { type: 'string', description: 'x' } } } },
      /cannot add fields to "checkout"/,
    ],
  ])('refuses %s with an error and its path, and builds no plan', (_, value, message) => {
    const result = readPlanFile(value)
    expect(result.plan).toBeUndefined()
    expect(errorsOf(value).map((p) => p.message)).toContainEqual(expect.stringMatching(message))
    // The JSON Schema editors use refuses the same files (what it can express: all but
    // duplicates against the built-in plan, forbidden names and the §八 name of a built-in).
    if (!/already|sensitive|cannot add/.test(String(message))) {
      expect(validateShape(value)).toBe(false)
    }
  })

  it('lists every error of a file at once, each with where it is', () => {
    const problems = errorsOf(
      withEvents({
        walletConnect: walletEvent,
        wallet_import: { ...walletEvent, owner: undefined },
      }),
    )
    expect(problems.map((p) => p.path)).toEqual(['events.wallet_import', 'events.walletConnect'])
  })

  it.each([
    ['a camelCase field', { walletType: { type: 'string', description: 'x' } }, /not snake_case/],
    [
      'a boolean without is_/has_',
      { connected: { type: 'boolean', description: 'x' } },
      /should start with is_ or has_/,
    ],
    [
      'an enum value in capitals',
      { kind: { type: ['MetaMask'], description: 'x' } },
      /should be lower_snake_case English/,
    ],
  ])('warns about %s (§八) and still builds the plan', (_, fields, message) => {
    const value = withEvents({ wallet_connect: { ...walletEvent, fields } })
    expect(readPlanFile(value).plan).toBeDefined()
    expect(warningsOf(value).map((p) => p.message)).toContainEqual(expect.stringMatching(message))
  })

  it('the published JSON Schema accepts the example plan', () => {
    expect(validateShape(example), JSON.stringify(validateShape.errors)).toBe(true)
  })
})
