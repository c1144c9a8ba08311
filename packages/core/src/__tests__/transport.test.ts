// @vitest-environment node
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { postJson } from '../transport'

let server: Server | undefined
const sockets = new Set<Socket>()
afterEach(async () => {
  sockets.forEach((s) => s.destroy())
  sockets.clear()
  if (server) await new Promise((resolve) => server!.close(resolve))
  server = undefined
})

/** A real HTTP server on loopback; `handle` decides what each request gets. */
async function listen(handle: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handle)
  server.on('connection', (socket) => sockets.add(socket))
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/track`
}

describe('postJson', () => {
  it('gives up on a collector that accepts the connection and never answers (status 0)', async () => {
    let arrived = 0
    const url = await listen(() => void arrived++) // reads the request, never answers
    const started = Date.now()
    expect(await postJson(url, '{"events":[]}', false, 300)).toEqual({ status: 0 })
    expect(arrived).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('gives up on an answer whose body never ends', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"code":')
    })
    expect((await postJson(url, '{}', false, 300)).status).toBe(0)
  })

  it('answers status 0 for a refused connection instead of throwing', async () => {
    const url = await listen(() => undefined)
    await new Promise((resolve) => server!.close(resolve))
    server = undefined
    expect(await postJson(url, '{}', false, 1000)).toEqual({ status: 0 })
  })

  it('returns status, Retry-After, the server clock and the JSON answer', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(503, { 'Retry-After': '7', 'Content-Type': 'application/json' })
      res.end('{"code":503}')
    })
    const result = await postJson(url, '{}', false, 1000)
    expect(result).toMatchObject({ status: 503, retryAfter: '7', body: { code: 503 } })
    expect(Math.abs(Date.parse(result.date!) - Date.now())).toBeLessThan(2000)
  })
})
