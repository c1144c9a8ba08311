// The unplanned policy as a pure function: which problems any policy may store (the plan lags
// behind the app) and which none may (the event could not be counted).
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readPlanFile, trackingPlan } from '@trackpoint/schema'
import { describe, expect, it } from 'vitest'
import { judgeEvent, uncountableProblems, unplannedReasons } from '../plan/planPolicy'

const appPlan = readPlanFile(
  JSON.parse(
    readFileSync(new URL('../../../examples/shared/tracking-plan.json', import.meta.url), 'utf8'),
  ),
).plan!.plan

const event = (event_name: string, properties: Record<string, unknown>, extra = {}) => ({
  event_id: randomUUID(),
  event_name,
  user_id: 'u1',
  timestamp: Date.now(),
  platform: 'web',
  page: '/onchain',
  session_id: 's1',
  properties,
  ...extra,
})

const wallet = event('wallet_connect', { wallet_type: 'metamask' })

describe('judgeEvent', () => {
  it('plans an event of the installed plan, and stores an app event the plan lacks under flag and accept', () => {
    expect(judgeEvent(wallet, appPlan, 'flag')).toEqual({ refused: [], unplanned: [] })
    for (const policy of ['flag', 'accept'] as const) {
      const { refused, unplanned } = judgeEvent(wallet, trackingPlan, policy)
      expect(refused).toEqual([])
      expect(unplannedReasons(unplanned)).toEqual(['unknown_event:event_name'])
    }
  })

  it('refuses what the plan lacks under reject, with the reason', () => {
    const { refused, unplanned } = judgeEvent(wallet, trackingPlan, 'reject')
    expect(unplanned).toEqual([])
    expect(refused.map((e) => e.code)).toEqual(['unknown_event'])
  })

  it('stores a problem in a field the app added to a built-in event, or in an app event, as unplanned', () => {
    const pageView = event('page_view', { page_name: 'landing', experiment: 42 })
    const { refused, unplanned } = judgeEvent(pageView, appPlan, 'flag')
    expect(refused).toEqual([])
    expect(unplannedReasons(unplanned)).toEqual(['wrong_type:properties.experiment'])
    const badWallet = event('wallet_connect', { wallet_type: 'ledger' })
    expect(unplannedReasons(judgeEvent(badWallet, appPlan, 'accept').unplanned)).toEqual([
      'invalid_value:properties.wallet_type',
    ])
  })

  it.each([
    [
      'a recommend_impression without delivery_id (§九 counts by it)',
      event('recommend_impression', { content_type: 'banner' }),
    ],
    ['a card_click without card_id', event('card_click', {})],
    ['a missing user_id', event('wallet_connect', { wallet_type: 'metamask' }, { user_id: '' })],
    ['a timestamp in seconds', event('wallet_connect', {}, { timestamp: 1_700_000_000 })],
    ['a bad name', event('WalletConnect', {})],
    ['a forbidden key in an unknown event', event('wallet_connect', { private_key: 'x' })],
    ['properties that are not an object', event('wallet_connect', [] as never)],
    ['not an object at all', null],
  ])('refuses %s under every policy', (_, value) => {
    for (const policy of ['flag', 'accept', 'reject'] as const) {
      expect(judgeEvent(value, appPlan, policy).refused.length).toBeGreaterThan(0)
      expect(judgeEvent(value, trackingPlan, policy).refused.length).toBeGreaterThan(0)
    }
    expect(uncountableProblems(value).length).toBeGreaterThan(0)
  })

  it('finds nothing uncountable in an app event the consumer has no plan for', () => {
    expect(uncountableProblems(wallet)).toEqual([])
    expect(uncountableProblems(event('page_view', { page_name: 'x', experiment: 42 }))).toEqual([])
  })
})
