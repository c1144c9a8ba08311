// An msw collector for the tracker's unit tests: records what arrives (gunzipped), and answers
// what each test tells it to. Unit tests only; the real-browser specs use a real HTTP server.
import { gunzipSync } from 'node:zlib'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import type { TrackRequestBody } from '../types'

export const ENDPOINT = 'https://collect.test'

/** One request as the collector saw it. */
export interface ReceivedRequest {
  path: string
  body: TrackRequestBody
  /** bytes on the wire (compressed when gzip) */
  wireBytes: number
  /** bytes of the JSON body */
  jsonBytes: number
  encoding: string | null
  contentType: string | null
}

/** Decides the answer to a request; `undefined` means 200 success. */
export type Responder = (
  request: ReceivedRequest,
  index: number,
) => Response | 'network-error' | undefined

export function createCollector() {
  const requests: ReceivedRequest[] = []
  let responder: Responder = () => undefined
  const server = setupServer(
    http.post(`${ENDPOINT}/api/v1/track*`, async ({ request }) => {
      const raw = Buffer.from(await request.arrayBuffer())
      const encoding = request.headers.get('content-encoding')
      const json = encoding === 'gzip' ? gunzipSync(raw) : raw
      const received: ReceivedRequest = {
        path: new URL(request.url).pathname,
        body: JSON.parse(json.toString('utf8')) as TrackRequestBody,
        wireBytes: raw.length,
        jsonBytes: json.length,
        encoding,
        contentType: request.headers.get('content-type'),
      }
      requests.push(received)
      const answer = responder(received, requests.length - 1)
      if (answer === 'network-error') return HttpResponse.error()
      return (
        answer ??
        HttpResponse.json({
          code: 200,
          message: 'success',
          request_id: `req_${requests.length}`,
          processed_count: received.body.events.length,
        })
      )
    }),
  )
  return {
    server,
    requests,
    /** Every event received, in order of arrival. */
    get events() {
      return requests.flatMap((r) => r.body.events)
    },
    respond(next: Responder) {
      responder = next
    },
  }
}
