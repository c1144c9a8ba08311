// SIGTERM drains the real `trackpoint-server` process: health turns 503 `draining` at once, new
// connections are refused, the request in flight gets its answer and its events are stored,
// and the process exits 0 within the bound.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { computeSign } from '@trackpoint/core'
import { afterAll, describe, expect, it } from 'vitest'
import { startCli, type CliProcess } from './cliProcess'

let dir: string | undefined
let server: CliProcess | undefined
afterAll(async () => {
  if (server?.child.exitCode === null) {
    server.child.kill('SIGKILL')
    await server.exited
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** A connection that has sent `head` and reads what comes back. */
function open(url: string, head: string): { socket: Socket; answer: Promise<string> } {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  let text = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => (text += chunk))
  socket.on('error', () => undefined)
  const answer = new Promise<string>((resolve) => socket.on('close', () => resolve(text)))
  socket.write(head)
  return { socket, answer }
}

const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)

describe('SIGTERM', () => {
  it('answers what is in flight, says draining, refuses new connections, and exits 0 in time', async () => {
    dir = mkdtempSync(join(tmpdir(), 'trackpoint-drain-'))
    server = await startCli({ TRACKPOINT_DATA_DIR: dir, TRACKPOINT_ADMIN_TOKEN: 'admin' })
    const url = server.url
    const timestamp = Date.now()
    const eventId = randomUUID()
    const body = JSON.stringify({
      app_id: 'dev_app',
      timestamp,
      sign: computeSign('dev_app', timestamp, 'dev_secret'),
      events: [
        {
          event_id: eventId,
          event_name: 'page_view',
          user_id: 'u1',
          timestamp,
          platform: 'web',
          page: '/drain',
          session_id: 's',
          properties: { page_name: 'drain' },
        },
      ],
    })
    // A track request whose body is half sent, and a health request whose headers are.
    const track = open(
      url,
      `POST /api/v1/track HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 40)}`,
    )
    const health = open(url, 'GET /api/v1/track/health HTTP/1.1\r\nHost: x\r\n')
    await new Promise((resolve) => setTimeout(resolve, 300))

    const signalled = Date.now()
    server.child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 300))
    // New connections are refused.
    const refused = await new Promise<boolean>((resolve) => {
      const { hostname, port } = new URL(url)
      const probe = connect(Number(port), hostname)
      probe.on('connect', () => {
        probe.destroy()
        resolve(false)
      })
      probe.on('error', () => resolve(true))
    })
    expect(refused).toBe(true)
    // The requests in flight finish and are answered.
    health.socket.write('Connection: close\r\n\r\n')
    const healthText = await health.answer
    expect(status(healthText)).toBe(503)
    expect(healthText).toMatch(/"status":"draining"/)
    track.socket.write(body.slice(40))
    const trackText = await track.answer
    expect(status(trackText)).toBe(200)
    expect(trackText).toMatch(/"processed_count":1/)

    expect(await server.exited).toBe(0)
    expect(Date.now() - signalled).toBeLessThan(15_000)

    // The acknowledged event was stored before the exit: a new process on the directory has it.
    server = await startCli({ TRACKPOINT_DATA_DIR: dir, TRACKPOINT_ADMIN_TOKEN: 'admin' })
    const overview = (await (
      await fetch(`${server.url}/api/stats/overview`, {
        headers: { Authorization: 'Bearer admin' },
      })
    ).json()) as Record<string, unknown>
    expect(JSON.stringify(overview)).toMatch(/\/drain/)
  }, 120_000)
})
