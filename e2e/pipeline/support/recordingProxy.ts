// A recording HTTP proxy between the pages and the collector process: the honest witness of
// what the collector acknowledged. It forwards every request unchanged and records, per POST,
// the event_ids in the body and the status the collector answered; ids of a 2xx answer minus
// those it listed as `rejected` are the acknowledged ones. It can also play a load balancer
// that answers 503 or 429 with `Retry-After` itself (scenario 2). When the collector process is
// down the proxy cuts the page's connection, which the page sees as the network error a
// refused connection is.
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'
import { gunzipSync } from 'node:zlib'

/** One request the proxy saw. */
export interface ProxiedRequest {
  at: number
  method: string
  path: string
  /** Status given to the page; 0 when the connection was cut (collector unreachable). */
  status: number
  /** Who answered: the collector, or the proxy itself (a fault it plays). */
  answeredBy: 'collector' | 'proxy' | 'nobody'
  /** event_ids of the body (POST). */
  eventIds: string[]
  /** event_ids the collector acknowledged (2xx and not rejected). */
  acknowledged: string[]
}

/** What the proxy does with a request. */
export type ProxyMode =
  { kind: 'forward' } | { kind: 'answer'; status: 503 | 429; retryAfterSeconds: number }

/** A proxy started by {@link startRecordingProxy}. */
export interface RecordingProxy {
  url: string
  requests: ProxiedRequest[]
  setMode(mode: ProxyMode): void
  close(): Promise<void>
}

interface TrackBody {
  events?: { event_id?: unknown }[]
}

const readAll = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })

/** The event_ids of a track request body (gzip or not); [] when it cannot be read. */
export function eventIdsOf(body: Buffer, encoding: string | undefined): string[] {
  try {
    const text = (encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8')
    const parsed = JSON.parse(text) as TrackBody
    return (parsed.events ?? []).map((event) => String(event.event_id))
  } catch {
    return []
  }
}

/** The ids a collector answer acknowledged: all of a 2xx but those it listed as rejected. */
function acknowledgedIds(status: number, ids: string[], answer: Buffer): string[] {
  if (status < 200 || status > 299) return []
  let rejected: { event_index?: number }[] = []
  try {
    rejected = ((JSON.parse(answer.toString('utf8')) as { rejected?: typeof rejected }).rejected ??
      []) as typeof rejected
  } catch {
    // A 2xx without a JSON body (none is expected): every id counts as acknowledged.
  }
  const refused = new Set(rejected.map((entry) => entry.event_index))
  return ids.filter((_, index) => !refused.has(index))
}

/** Starts a proxy on a free 127.0.0.1 port in front of `target` (the collector's base URL). */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target)
  const requests: ProxiedRequest[] = []
  let mode: ProxyMode = { kind: 'forward' }

  const server = createServer((req, res) => {
    const at = Date.now()
    const origin = req.headers.origin
    readAll(req).then(
      (body) => {
        const ids = req.method === 'POST' ? eventIdsOf(body, req.headers['content-encoding']) : []
        const entry: ProxiedRequest = {
          at,
          method: req.method ?? '',
          path: req.url ?? '',
          status: 0,
          answeredBy: 'nobody',
          eventIds: ids,
          acknowledged: [],
        }
        requests.push(entry)
        if (mode.kind === 'answer') {
          const cors: Record<string, string> = origin
            ? {
                'Access-Control-Allow-Origin': origin,
                'Access-Control-Expose-Headers': 'Retry-After, Date',
                'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
                'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding, Authorization',
                Vary: 'Origin',
              }
            : {}
          entry.answeredBy = 'proxy'
          if (req.method === 'OPTIONS') {
            entry.status = 204
            res.writeHead(204, cors).end()
            return
          }
          entry.status = mode.status
          res
            .writeHead(mode.status, {
              ...cors,
              'Content-Type': 'application/json',
              'Retry-After': String(mode.retryAfterSeconds),
            })
            .end(JSON.stringify({ code: mode.status, message: 'played by the test proxy' }))
          return
        }
        const forward = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: upstream.host },
            timeout: 30_000,
          },
          (answer) => {
            readAll(answer).then(
              (answerBody) => {
                const status = answer.statusCode ?? 0
                entry.status = status
                entry.answeredBy = 'collector'
                entry.acknowledged = acknowledgedIds(status, ids, answerBody)
                res.writeHead(status, answer.headers).end(answerBody)
              },
              () => res.destroy(),
            )
          },
        )
        // The collector is down or cut us off: the page sees a failed request, as it would.
        forward.on('error', () => res.destroy())
        forward.on('timeout', () => forward.destroy())
        forward.end(body)
      },
      () => res.destroy(),
    )
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('proxy did not bind a port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    setMode: (next) => (mode = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
