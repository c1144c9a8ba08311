// The accepted window of event times at the collector: per-event refusals with a reason code,
// never a 2xx for an event that will not be counted, and the clock-skew contract
// (`timestamp + clock_offset` is the event's time).
import { afterEach, describe, expect, it } from 'vitest'
import { counterValue } from '../http/metricsRegistry'
import { signedBody, startHarness, validEvent, type Harness } from './collectorHarness'

const HOUR = 3_600_000
const DAY = 24 * HOUR

let h: Harness | undefined
afterEach(() => h?.close())
const start = async (options: Parameters<typeof startHarness>[0] = {}) =>
  (h = await startHarness(options))

const codes = (json: Record<string, unknown>) =>
  (json.rejected as { event_index: number; errors: { code: string }[] }[]).map((r) => [
    r.event_index,
    r.errors[0]?.code,
  ])

describe('the accepted window of event times', () => {
  it('refuses events dated 2200, 5138, 2 h ahead and older than the retention, one by one', async () => {
    const { post, bus } = await start()
    const good = validEvent()
    const body = signedBody('app_b', [
      validEvent({ timestamp: Date.parse('2200-01-01T00:00:00Z') }),
      good,
      validEvent({ timestamp: Date.UTC(5138, 0, 1) }),
      validEvent({ timestamp: Date.now() + 2 * HOUR }),
      validEvent({ timestamp: Date.now() - 100 * DAY }),
    ])
    const { status, json } = await post('/api/v1/track', body)
    expect(status).toBe(200)
    expect(json.processed_count).toBe(1)
    expect(codes(json)).toEqual([
      [0, 'timestamp_in_future'],
      [2, 'timestamp_in_future'],
      [3, 'timestamp_in_future'],
      [4, 'timestamp_too_old'],
    ])
    expect(bus.events().map((event) => event.event_id)).toEqual([good.event_id])
    expect(
      await counterValue(h!.collector.metrics.rejected, { reason: 'timestamp_in_future' }),
    ).toBe(3)
  })

  it('answers 400, not 2xx, when no event of the request is inside the window', async () => {
    const { post, bus } = await start()
    // Timestamps spread over 120 months, as in the issue: none is stored, so none is acknowledged.
    const spread = Array.from({ length: 60 }, (_, i) =>
      validEvent({ timestamp: Date.UTC(2030 + Math.floor((i * 2) / 12), (i * 2) % 12, 1) }),
    )
    const { status, json } = await post('/api/v1/track', signedBody('app_b', spread))
    expect(status).toBe(400)
    expect(json.processed_count).toBe(0)
    expect((json.rejected as unknown[]).length).toBe(60)
    expect(bus.batches).toHaveLength(0)
  })

  it('takes timestamp + clock_offset as the time, stores that, and keeps the offset', async () => {
    const { post, bus } = await start()
    const now = Date.now()
    // A phone 2 h ahead and one 3 h behind, both measured by the SDK.
    const ahead = validEvent({ timestamp: now + 2 * HOUR, clock_offset: -2 * HOUR })
    const behind = validEvent({ timestamp: now - 3 * HOUR, clock_offset: 3 * HOUR })
    const plain = validEvent({ timestamp: now })
    const { status, json } = await post(
      '/api/v1/track',
      signedBody('app_b', [ahead, behind, plain]),
    )
    expect({ status, rejected: json.rejected }).toEqual({ status: 200, rejected: undefined })
    const [a, b, p] = bus.events()
    expect([a?.timestamp, a?.clock_offset]).toEqual([now, -2 * HOUR])
    expect([b?.timestamp, b?.clock_offset]).toEqual([now, 3 * HOUR])
    expect(p?.timestamp).toBe(now)
    expect(p).not.toHaveProperty('clock_offset')
  })

  it('refuses an event whose offset moves it out of the window, though its timestamp is now', async () => {
    const { post, bus } = await start()
    const { status, json } = await post(
      '/api/v1/track',
      signedBody('app_b', [validEvent({ clock_offset: 5 * HOUR })]),
    )
    expect(status).toBe(400)
    expect(codes(json)).toEqual([[0, 'timestamp_in_future']])
    expect(bus.batches).toHaveLength(0)
  })

  it('reads both bounds from the limits (TRACKPOINT_MAX_FUTURE_MS, TRACKPOINT_MAX_PAST_DAYS)', async () => {
    const { post } = await start({ limits: { maxFutureMs: 10 * 60_000, maxPastDays: 7 } })
    const { json } = await post(
      '/api/v1/track',
      signedBody('app_b', [
        validEvent({ timestamp: Date.now() + 30 * 60_000 }),
        validEvent({ timestamp: Date.now() - 8 * DAY }),
        validEvent({ timestamp: Date.now() - 6 * DAY }),
      ]),
    )
    expect(json.processed_count).toBe(1)
    expect(codes(json)).toEqual([
      [0, 'timestamp_in_future'],
      [1, 'timestamp_too_old'],
    ])
  })

  it('reports the window refusal in the debug API', async () => {
    const { post } = await start()
    const { json } = await post(
      '/api/v1/track/debug',
      signedBody('app_b', [validEvent({ timestamp: Date.now() + 2 * HOUR })]),
    )
    const info = json.debug_info as Record<string, unknown>
    expect(info.would_be_stored).toBe(false)
    expect(info.validation_results).toEqual([
      {
        event_index: 0,
        valid: false,
        errors: [expect.objectContaining({ field: 'timestamp', code: 'timestamp_in_future' })],
      },
    ])
  })
})
