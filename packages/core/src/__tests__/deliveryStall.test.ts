// @vitest-environment jsdom
// A collector that accepts the connection and never answers must not stall delivery: a real
// socket on loopback, no mocks.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createTracker } from '../createTracker'
import type { TrackRequestBody } from '../types'

const sockets = new Set<Socket>()
let close = async () => {}
afterEach(async () => {
  sockets.forEach((s) => s.destroy())
  await close()
})

async function collectorThatHangsFirst() {
  const received: TrackRequestBody[] = []
  let requests = 0
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      if (++requests === 1) return // accepted, read, never answered
      received.push(JSON.parse(body) as TrackRequestBody)
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"code":200}')
    })
  })
  server.on('connection', (socket) => sockets.add(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  close = () => new Promise((resolve) => server.close(() => resolve()))
  const { port } = server.address() as AddressInfo
  return { endpoint: `http://127.0.0.1:${port}`, received, requests: () => requests }
}

describe('a collector that never answers', () => {
  it('is given up on after requestTimeout and retried; flush() and shutdown() resolve', async () => {
    const collector = await collectorThatHangsFirst()
    const tracker = createTracker({
      endpoint: collector.endpoint,
      appId: 'stall_app',
      secret: 's',
      persist: false,
      compress: false,
      requestTimeout: 300,
      maxRetryDelay: 500,
    })
    tracker.track('card_click', { card_id: 'c1' })
    await tracker.flush() // before: never resolved
    expect(collector.requests()).toBe(1)
    const deadline = Date.now() + 5000
    while (!collector.received.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(collector.received.flatMap((b) => b.events.map((e) => e.properties.card_id))).toEqual([
      'c1',
    ])
    await tracker.shutdown()
  })
})
