// @fastify/under-pressure sheds load for the whole process: with a real blocked event loop (or
// a heap over its limit) a track request gets 503 + Retry-After and the usual JSON error body,
// before its body is read; health still answers; and requests are served again afterwards.
import { afterEach, describe, expect, it } from 'vitest'
import { defaultPressureLimits, type PressureLimits } from '../http/loadShedding'
import { signedBody, startHarness, validEvent, type Harness } from './collectorHarness'

let h: Harness | undefined
let blocker: NodeJS.Timeout | undefined
afterEach(async () => {
  clearInterval(blocker)
  blocker = undefined
  await h?.close()
  h = undefined
})

const pressure = (limits: Partial<PressureLimits>): PressureLimits => ({
  ...defaultPressureLimits(),
  maxHeapUsedBytes: 0,
  sampleIntervalMs: 20,
  retryAfterSeconds: 3,
  ...limits,
})

/** Blocks this process's event loop for `ms` at a time, again and again, for real. */
function blockEventLoop(ms: number): NodeJS.Timeout {
  return setInterval(() => {
    const until = performance.now() + ms
    while (performance.now() < until) {
      // busy: nothing else runs on the loop meanwhile
    }
  }, 5)
}

/** Sends `send` until `done` says yes or the deadline passes; returns the last answer. */
async function pollUntil<T>(send: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const value = await send()
    if (done(value) || Date.now() > deadline) return value
  }
}

describe('load shedding (@fastify/under-pressure)', () => {
  it('answers 503 with Retry-After and the JSON error body while the event loop is blocked', async () => {
    h = await startHarness({ pressure: pressure({ maxEventLoopDelayMs: 50 }) })
    const { post } = h
    const body = () => signedBody('app_b', [validEvent()])
    // Start-up work (and a busy machine) can hold the loop at first: wait until it is calm.
    const calm = await pollUntil(
      () => post('/api/v1/track', body()),
      (answer) => answer.status === 200,
    )
    expect(calm.status).toBe(200)

    blocker = blockEventLoop(150)
    const shed = await pollUntil(
      () => post('/api/v1/track', body()),
      (answer) => answer.status === 503,
    )
    expect(shed.status).toBe(503)
    expect(shed.headers.get('retry-after')).toBe('3')
    expect(shed.json).toEqual({
      code: 503,
      message: 'the server is overloaded; retry later',
      request_id: expect.stringMatching(/^req_[0-9a-f]{16}$/),
    })
    expect(shed.headers.get('x-request-id')).toBe(shed.json.request_id)
    // Health is how an operator sees the overload: it is not shed.
    const health = await fetch(`${h.url}/api/v1/track/health`)
    expect(health.status).toBe(200)
    expect(h.logs.some((entry) => entry.reason === 'overloaded_eventLoopDelay')).toBe(true)
    // Nothing shed was published.
    const published = h.bus.events().length

    clearInterval(blocker)
    const served = await pollUntil(
      () => post('/api/v1/track', body()),
      (answer) => answer.status === 200,
    )
    expect(served.status).toBe(200)
    expect(h.bus.events().length).toBe(published + 1)
  }, 30_000)

  it('answers 503 while the heap is over its limit', async () => {
    // A limit every real heap is over: the check reads the process's own memory usage.
    h = await startHarness({ pressure: pressure({ maxHeapUsedBytes: 1024 }) })
    const shed = await pollUntil(
      () => h!.post('/api/v1/track', signedBody('app_b', [validEvent()])),
      (answer) => answer.status === 503,
    )
    expect(shed.status).toBe(503)
    expect(shed.headers.get('retry-after')).toBe('3')
    expect(shed.json).toMatchObject({ code: 503, message: 'the server is overloaded; retry later' })
    // Before the first sample the heap reads 0, so a request may pass; none passes after it.
    const published = h.bus.events().length
    expect((await h.post('/api/v1/track', signedBody('app_b', [validEvent()]))).status).toBe(503)
    expect(h.bus.events()).toHaveLength(published)
  }, 30_000)
})
