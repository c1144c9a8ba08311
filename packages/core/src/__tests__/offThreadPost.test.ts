// @vitest-environment node
import { resolveObjectURL } from 'node:buffer'
import { HttpResponse } from 'msw'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createOffThreadPost } from '../offThreadPost'
import { createCollector, ENDPOINT } from './collector'

const collector = createCollector()
beforeAll(() => collector.server.listen({ onUnhandledRequest: 'error' }))
afterAll(() => collector.server.close())
afterEach(() => {
  vi.unstubAllGlobals()
  collector.requests.length = 0
  collector.respond(() => undefined)
})

/**
 * Runs the real worker source (built from postJson's text) the way a worker would, on this
 * thread: `onmessage` gets messages, `postMessage` answers. Counts the messages it handled.
 */
class SourceRunningWorker {
  static handled = 0
  onmessage: ((event: { data: unknown }) => void) | null = null
  onerror: (() => void) | null = null
  private handler: Promise<(event: { data: unknown }) => void>
  constructor(url: string) {
    this.handler = resolveObjectURL(url)!
      .text()
      .then((source) =>
        new Function('postMessage', `let onmessage;${source};return onmessage`)((data: unknown) =>
          this.onmessage?.({ data }),
        ),
      )
  }
  postMessage(data: unknown) {
    SourceRunningWorker.handled++
    void this.handler.then((handle) => handle({ data }))
  }
  terminate() {}
}

const body = JSON.stringify({ events: [{ event_id: 'e1' }] })

describe('createOffThreadPost', () => {
  it('sends through the worker, whose source is postJson itself, and gzips there', async () => {
    vi.stubGlobal('Worker', SourceRunningWorker)
    SourceRunningWorker.handled = 0
    const post = createOffThreadPost()
    const result = await post(`${ENDPOINT}/api/v1/track`, body, true, 5000)
    expect(result.status).toBe(200)
    expect(SourceRunningWorker.handled).toBe(1)
    expect(collector.requests[0]!.encoding).toBe('gzip')
    expect(collector.requests[0]!.body.events[0]!.event_id).toBe('e1')
  })

  it('starts the worker in a later task than the first request, so their costs do not add up', async () => {
    const started = vi.fn()
    vi.stubGlobal(
      'Worker',
      class extends SourceRunningWorker {
        constructor(url: string) {
          super(url)
          started()
        }
      },
    )
    const post = createOffThreadPost()
    const first = post(`${ENDPOINT}/api/v1/track`, body, false, 5000)
    const second = post(`${ENDPOINT}/api/v1/track`, body, false, 5000)
    for (let i = 0; i < 5; i++) await Promise.resolve()
    expect(started).not.toHaveBeenCalled()
    expect((await first).status).toBe(200)
    expect((await second).status).toBe(200)
    expect(started).toHaveBeenCalledOnce()
    expect(collector.requests).toHaveLength(2)
  })

  it('answers status 0 when the worker hits a network error, so delivery backs off', async () => {
    vi.stubGlobal('Worker', SourceRunningWorker)
    SourceRunningWorker.handled = 0
    collector.respond(() => 'network-error')
    const post = createOffThreadPost()
    await expect(post(`${ENDPOINT}/api/v1/track`, body, false, 5000)).resolves.toEqual({
      status: 0,
    })
    // answered by the worker, not by a fallback to the main thread
    expect(SourceRunningWorker.handled).toBe(1)
    expect(collector.requests).toHaveLength(1)
  })

  it('close() cancels what the worker has not answered: status 0, worker stopped, the next request starts a new one', async () => {
    let started = 0
    let terminated = 0
    vi.stubGlobal(
      'Worker',
      class extends SourceRunningWorker {
        constructor(url: string) {
          super(url)
          started++
        }
        override terminate() {
          terminated++
        }
      },
    )
    // A collector that takes the request and does not answer while the test runs.
    let answer: (response: Response) => void = () => undefined
    collector.respond(() => new Promise<Response>((resolve) => (answer = resolve)) as never)
    const post = createOffThreadPost()
    const stuck = post(`${ENDPOINT}/api/v1/track`, body, false, 60_000)
    await vi.waitFor(() => expect(collector.requests).toHaveLength(1))
    post.close()
    await expect(stuck).resolves.toEqual({ status: 0 })
    expect(terminated).toBe(1)
    answer(new Response(null, { status: 204 }))

    collector.respond(() => undefined)
    expect((await post(`${ENDPOINT}/api/v1/track`, body, false, 5000)).status).toBe(200)
    expect(started).toBe(2)
  })

  it('sends from the main thread when the worker cannot run the code', async () => {
    class BrokenWorker extends SourceRunningWorker {
      override postMessage([id]: [number]) {
        // what a worker whose postJson lost its bundler helpers answers: a ReferenceError
        setTimeout(() => this.onmessage?.({ data: [id] }), 0)
      }
    }
    vi.stubGlobal('Worker', BrokenWorker)
    const post = createOffThreadPost()
    expect((await post(`${ENDPOINT}/api/v1/track`, body, false, 5000)).status).toBe(200)
    expect((await post(`${ENDPOINT}/api/v1/track`, body, false, 5000)).status).toBe(200)
    expect(collector.requests).toHaveLength(2)
  })

  it('sends from the main thread when workers are refused (CSP) or missing', async () => {
    vi.stubGlobal(
      'Worker',
      class {
        constructor() {
          throw new DOMException('refused by worker-src', 'SecurityError')
        }
      },
    )
    expect(
      (await createOffThreadPost()(`${ENDPOINT}/api/v1/track`, body, false, 5000)).status,
    ).toBe(200)
    vi.stubGlobal('Worker', undefined)
    expect(
      (await createOffThreadPost()(`${ENDPOINT}/api/v1/track`, body, false, 5000)).status,
    ).toBe(200)
    expect(collector.requests).toHaveLength(2)
  })

  it('passes the collector answer through: status, Retry-After, Date and JSON body', async () => {
    vi.stubGlobal('Worker', SourceRunningWorker)
    const date = 'Wed, 02 Dec 2026 10:00:00 GMT'
    collector.respond(() =>
      HttpResponse.json(
        { code: 429 },
        { status: 429, headers: { 'Retry-After': '3', Date: date } },
      ),
    )
    const result = await createOffThreadPost()(`${ENDPOINT}/api/v1/track`, body, false, 5000)
    expect(result).toEqual({ status: 429, retryAfter: '3', date, body: { code: 429 } })
  })
})
