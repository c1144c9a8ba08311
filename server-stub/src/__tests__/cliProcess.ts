// The real `trackpoint-server` command in a child process, for what only a process shows: that
// no request ends it, and how it drains on SIGTERM. Bundled from source with esbuild (Node 20
// runs no TypeScript), dependencies resolved from the workspace's node_modules.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const require = createRequire(import.meta.url)
const NODE_MODULES = dirname(dirname(require.resolve('chdb/package.json')))
const HERE = dirname(fileURLToPath(import.meta.url))

let built: Promise<string> | undefined

/** Bundles src/cli.ts once per test file; resolves with the script's path. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'trackpoint-cli-')), 'cli.cjs')
    await build({
      entryPoints: [join(HERE, '../cli.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
      external: ['chdb', 'chdb/*', '@clickhouse/client', '@platformatic/kafka'],
      alias: { '@trackpoint/schema': join(HERE, '../../../packages/schema/src/index.ts') },
      logLevel: 'silent',
    })
    return outfile
  })()
  return built
}

/** A running server process. */
export interface CliProcess {
  child: ChildProcess
  /** The HTTP base URL it printed. */
  url: string
  /** Everything it wrote to stdout (JSON log lines) and stderr so far. */
  output(): string
  /** Resolves with the exit code (or signal) once it exited. */
  exited: Promise<number | string>
}

/** The server's process with `env` (merged over a minimal one) and `args`, as it runs. */
async function spawnCli(env: Record<string, string>, args: string[]) {
  const script = await buildCli()
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', NODE_PATH: NODE_MODULES, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  )
  return { child, output: () => output, exited }
}

/**
 * Runs the server with `env` and `args` until it exits by itself (a start that fails); kills it
 * after `timeoutMs`. Resolves with its exit code (or signal) and everything it wrote.
 */
export async function runCliToExit(
  env: Record<string, string>,
  args: string[] = [],
  timeoutMs = 60_000,
): Promise<{ code: number | string; output: string }> {
  const { child, output, exited } = await spawnCli(env, args)
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await exited.finally(() => clearTimeout(timer))
  return { code, output: output() }
}

/** Starts the server with `env` (merged over a minimal one) and `args`; waits for its URL. */
export async function startCli(
  env: Record<string, string>,
  args: string[] = [],
): Promise<CliProcess> {
  const { child, output, exited } = await spawnCli(env, args)
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 60 s:\n${output()}`)), 60_000)
    const look = () => {
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output())
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout.on('data', look)
    child.stderr.on('data', look)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the server exited (${code}) before listening:\n${output()}`))
    })
  })
  return { child, url, output, exited }
}

/**
 * Sends `head` (request line and headers, without the blank line) and `body` over a raw TCP
 * socket, as a client that builds its own requests would, and reads the answer until the
 * server closes. Resolves with the status (0 when the connection ended without one) and text.
 */
export function rawRequest(
  url: string,
  head: string,
  body = '',
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (text += chunk))
    const done = () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text })
    socket.on('close', done)
    socket.on('error', () => undefined)
    socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`)
  })
}
