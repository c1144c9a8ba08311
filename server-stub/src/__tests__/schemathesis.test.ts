// The contract anyone can test: Schemathesis (PyPI) fuzzes the running embedded server — the
// real command in a child process — from its own OpenAPI document, every route, with and
// without the admin token, at least 1,000 generated requests each time: no process exit, no
// 500, every answer as the document says. `.ci/run` installs Schemathesis and sets SCHEMATHESIS;
// elsewhere put `st` on PATH (`pip install schemathesis`).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type CliProcess } from './cliProcess'

const run = promisify(execFile)
const ST = process.env.SCHEMATHESIS ?? 'st'

let dir: string
let server: CliProcess
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trackpoint-fuzz-'))
  server = await startCli({
    TRACKPOINT_DATA_DIR: join(dir, 'data'),
    TRACKPOINT_ADMIN_TOKEN: 'admin',
  })
}, 60_000)
afterAll(async () => {
  server.child.kill('SIGKILL')
  await server.exited
  rmSync(dir, { recursive: true, force: true })
})

/** Runs Schemathesis against the server; resolves with its exit code and output. */
async function fuzz(headers: string[]): Promise<{ code: number; output: string }> {
  const args = [
    'run',
    `${server.url}/api/openapi.json`,
    '--url',
    server.url,
    '--checks',
    'all',
    // Schema-valid bodies still carry no valid signature (md5 of a secret), so the collector
    // rightly refuses them: "valid data is accepted" cannot hold for a signed API.
    '--exclude-checks',
    'positive_data_acceptance',
    '--max-examples',
    '60',
    '--seed',
    '20261202',
    '--no-color',
    ...headers,
  ]
  try {
    const { stdout, stderr } = await run(ST, args, { cwd: dir, maxBuffer: 64 << 20 })
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string }
    if (failed.code === 'ENOENT') {
      throw new Error(
        `Schemathesis not found (${ST}): pip install schemathesis, or set SCHEMATHESIS to its st`,
      )
    }
    return { code: Number(failed.code), output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

describe('Schemathesis against the embedded server', () => {
  it.each([
    ['with the admin token', ['-H', 'Authorization: Bearer admin']],
    ['without a token', []],
  ])(
    'finds no failure %s, in at least 1,000 requests, and the process lives on',
    async (_, headers) => {
      const { code, output } = await fuzz(headers)
      expect(code, output).toBe(0)
      const generated = Number(/(\d+) generated/.exec(output)?.[1] ?? 0)
      expect(generated, output).toBeGreaterThanOrEqual(1000)
      expect(output).toMatch(/Selected: 25\/25/)
      expect(server.child.exitCode).toBeNull()
      // Nothing the fuzzer sent was an internal error (the guard logs every 500).
      expect(server.output()).not.toMatch(/"level":"error"/)
    },
    300_000,
  )
})
