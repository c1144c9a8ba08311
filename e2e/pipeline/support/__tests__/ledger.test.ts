// The pipeline suite's accounting, alone: a ledger that cannot fail would prove nothing, so each
// kind of fault it must catch is played here on made-up records.
import { describe, expect, it } from 'vitest'
import { countedTimes, deliveryNumbers, actionNumbers, overviewNumbers } from '../expectedStats'
import type { LedgerEvent } from '../expectedStats'
import { Ledger, allAcknowledged, balance, statsProblems, type StoredRow } from '../ledger'
import type { ProxiedRequest } from '../recordingProxy'

const HOUR = 3600_000
const T0 = Date.UTC(2026, 11, 2, 10)
let n = 0
const event = (overrides: Partial<LedgerEvent> = {}): LedgerEvent => ({
  event_id: `id-${++n}`,
  event_name: 'page_view',
  user_id: 'u1',
  timestamp: T0,
  page: '/',
  properties: {},
  ...overrides,
})
const request = (ids: string[], status = 200): ProxiedRequest => ({
  at: T0,
  method: 'POST',
  path: '/api/v1/track',
  status,
  answeredBy: 'collector',
  eventIds: ids,
  acknowledged: status === 200 ? ids : [],
})
const row = (e: LedgerEvent, copies = 1): StoredRow => ({
  event_id: e.event_id,
  copies,
  raw: copies,
  event_name: e.event_name,
  user_id: e.user_id,
  timestamp: e.timestamp,
})

function ledgerOf(events: LedgerEvent[]): Ledger {
  const ledger = new Ledger()
  for (const e of events) ledger.record(e, 'u')
  return ledger
}

describe('balance', () => {
  const [a, b, c, d] = [event(), event(), event(), event()]
  const ledger = ledgerOf([a, b, c, d])

  it('passes when every tracked event is stored once', () => {
    const accounts = balance(
      ledger,
      [request([a.event_id, b.event_id, c.event_id, d.event_id])],
      [row(a), row(b), row(c), row(d)],
    )
    expect(accounts.problems).toEqual([])
  })

  it('names the hop where each lost event was last seen', () => {
    const requests = [request([b.event_id], 503), request([c.event_id, d.event_id])]
    const problems = balance(ledger, requests, [row(d)]).problems.join('\n')
    expect(problems).toContain(`lost in the page (tracked, never sent): ${a.event_id}`)
    expect(problems).toContain(`lost at the collector (sent, never acknowledged): ${b.event_id}`)
    expect(problems).toContain(`lost after the collector acknowledged them`)
    expect(problems).toContain(c.event_id)
    expect(problems).toContain(`acknowledged (2xx) but not stored: ${c.event_id}`)
  })

  it('catches a double count and an event nobody tracked', () => {
    const stranger = event()
    const all = [a, b, c, d].map((e) => e.event_id)
    const problems = balance(
      ledger,
      [request(all)],
      [row(a, 2), row(b), row(c), row(d), row(stranger)],
    ).problems.join('\n')
    expect(problems).toContain(`stored more than once (counted twice): ${a.event_id}×2`)
    expect(problems).toContain(`stored but never tracked: ${stranger.event_id} (page_view)`)
  })

  it('lets an expected refusal go unstored, but not be stored', () => {
    const poison = event()
    const withPoison = ledgerOf([a])
    const requests = [request([a.event_id, poison.event_id])]
    expect(
      balance(withPoison, requests, [row(a)], { mustNotStore: [poison.event_id] }).problems,
    ).toEqual([])
    expect(
      balance(withPoison, requests, [row(a), row(poison)], { mustNotStore: [poison.event_id] })
        .problems,
    ).toEqual([`stored although it should be refused: ${poison.event_id}`])
  })
})

describe('allAcknowledged', () => {
  it('holds only once every event has a 2xx that did not reject it', () => {
    const [a, b] = [event(), event()]
    expect(allAcknowledged([a, b], [request([a.event_id]), request([b.event_id], 503)])).toBe(false)
    expect(allAcknowledged([a, b], [request([a.event_id]), request([b.event_id])])).toBe(true)
  })
})

describe('expected stats', () => {
  it('counts an impression once within 24 h and again after (§六)', () => {
    expect(countedTimes([T0, T0 + HOUR, T0 + 23 * HOUR, T0 + 25 * HOUR, T0 + 26 * HOUR])).toEqual([
      T0,
      T0 + 25 * HOUR,
    ])
    const props = { delivery_id: 'd1', content_type: 'action' }
    const events = [
      event({ event_name: 'recommend_impression', properties: props }),
      event({ event_name: 'recommend_impression', properties: props, timestamp: T0 + HOUR }),
      event({ event_name: 'recommend_impression', properties: props, user_id: 'u2' }),
      event({ event_name: 'recommend_click', properties: props, timestamp: T0 + 25 * HOUR }),
      event({ event_name: 'recommend_complete', properties: { ...props, action_id: 'a' } }),
    ]
    expect(deliveryNumbers(events, 'd1')).toEqual({
      viewed_users: 2,
      clicked_users: 1,
      completed_users: 1,
      daily: {
        '2026-12-02': { views: 2, completions: 1 },
        '2026-12-03': { clicks: 1 },
      },
    })
  })

  it('attributes a card_click without action_id to its card_id, and counts page views', () => {
    const events = [
      event({ event_name: 'card_click', properties: { card_id: 'c1' } }),
      event({ event_name: 'action_start', properties: { action_id: 'c1' } }),
      event({ event_name: 'page_view', properties: { action_id: 'c1' }, user_id: 'u2' }),
    ]
    expect(actionNumbers(events, 'c1')).toEqual({
      page_views: 1,
      card_clicks: 1,
      starts: 1,
      completions: 0,
      daily: { '2026-12-02': { views: 1, starts: 1 } },
    })
    expect(overviewNumbers(events)).toEqual({
      pv: 1,
      uv: 1,
      daily: { '2026-12-02': { pv: 1, uv: 1 } },
    })
  })

  it('reports a stats answer that differs from the ledger, and only then', () => {
    const same = { path: '/x', expected: { a: 1, b: { c: 2 } }, actual: { b: { c: 2 }, a: 1 } }
    const off = { path: '/y', expected: { a: 1 }, actual: { a: 2 } }
    expect(statsProblems([same, off])).toEqual(['/y: the ledger says {"a":1}, the API {"a":2}'])
  })
})
