// No request ends a process: requests that made `new URL` or `decodeURIComponent` throw outside
// any `try` (and ended `npm start`) are answered 400, on every role and route, by the real
// command in a child process over raw sockets.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest, startCli, type CliProcess } from './cliProcess'

const BAD_TARGETS = [
  'GET http://x:99999/ HTTP/1.1',
  'GET http://x:99999/api/v1/track/health HTTP/1.1',
  'POST http://x:99999/api/v1/track HTTP/1.1',
  'GET http://x:99999/metrics HTTP/1.1',
  'GET http://[::1/api/stats/overview HTTP/1.1',
  'OPTIONS * HTTP/1.1',
]
const BAD_ENCODINGS = [
  'GET /api/stats/delivery/50%off HTTP/1.1',
  'GET /api/stats/action/%E0%A4%A HTTP/1.1',
  'PUT /api/admin/deliveries/%zz HTTP/1.1',
]

let dir: string
const processes: CliProcess[] = []
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-cli-'))
})
afterAll(async () => {
  for (const p of processes) {
    p.child.kill('SIGKILL')
    await p.exited
  }
  rmSync(dir, { recursive: true, force: true })
})

const start = async (name: string, args: string[] = []) => {
  const server = await startCli(
    { TRACKPOINT_DATA_DIR: join(dir, name), TRACKPOINT_ADMIN_TOKEN: 'admin' },
    args,
  )
  processes.push(server)
  return server
}

describe.each([
  ['every role (npm start)', []],
  ['the stats role alone', ['--roles', 'stats']],
])('%s', (name, args) => {
  it('answers 400 to bad request targets and bad percent-encoding, and lives on', async () => {
    const server = await start(name.replace(/\W/g, '_'), args)
    for (const line of BAD_TARGETS) {
      const { status, text } = await rawRequest(server.url, `${line}\r\nHost: x`)
      expect(status, `${line}\n${text}`).toBe(400)
    }
    for (const line of BAD_ENCODINGS) {
      const head = `${line}\r\nHost: x\r\nAuthorization: Bearer admin\r\nContent-Length: 2`
      const { status, text } = await rawRequest(server.url, head, '{}')
      expect(status, `${line}\n${text}`).toBe(400)
      expect(text).toMatch(/percent-encoding/)
    }
    // The admin route's 4 KB limit answers 413 too, after reading the body.
    const put = await fetch(`${server.url}/api/admin/deliveries/d1`, {
      method: 'PUT',
      headers: { Authorization: 'Bearer admin', 'Content-Type': 'application/json' },
      body: JSON.stringify({ target_users: 1, pad: 'x'.repeat(2 * 1024 * 1024) }),
    })
    expect(put.status).toBe(413)
    expect(await put.json()).toMatchObject({ code: 413 })
    // Still serving, and never exited.
    const overview = await fetch(`${server.url}/api/stats/overview`, {
      headers: { Authorization: 'Bearer admin' },
    })
    expect(overview.status).toBe(200)
    expect(server.child.exitCode).toBeNull()
  }, 90_000)
})
