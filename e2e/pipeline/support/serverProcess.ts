// One role of @trackpoint/server as the scaled deployment runs it: a separate OS process of the
// built CLI (`node server-stub/dist/cli.mjs --roles …`, from `npm run build`). The specs see it
// only through HTTP and signals: SIGKILL for a crash, SIGTERM for a stop, and a restart on the
// same port.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../support/site'

const CLI = join(repoRoot, 'server-stub/dist/cli.mjs')

/** The admin token every pipeline process is started with. */
export const ADMIN_TOKEN = 'pipeline_admin_token'

/** Options of {@link startRole}. */
export interface RoleOptions {
  /** `--roles`, e.g. `collector` or `consumer,stats`. */
  roles: string
  /** `KAFKA_BROKERS`. */
  brokers: string
  /** `TRACKPOINT_DATA_DIR` (roles that open the store). */
  dataDir?: string
  /** More environment variables. */
  env?: Record<string, string>
  /** A name for the output printed on failure. */
  name: string
}

/** A running role process. */
export interface RoleProcess {
  /** `http://127.0.0.1:<port>`; the same across restarts. */
  url: string
  /** The OS process id of the current run. */
  pid(): number | undefined
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>
  /** SIGTERM (the CLI drains); resolves with its exit code once it is gone. */
  stop(): Promise<number | string>
  /** Starts it again on the same port (after kill or stop). */
  restart(): Promise<void>
  /** Everything it printed (stderr and its JSON log lines), every run. */
  output(): string
}

interface Run {
  child: ChildProcess
  exited: Promise<number | string>
}

/** Starts `node server-stub/dist/cli.mjs --roles <roles>`; resolves once it listens. */
export async function startRole(options: RoleOptions): Promise<RoleProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`)
  let output = ''
  let port = 0
  let current: Run | undefined

  const launch = async (): Promise<void> => {
    const child = spawn(process.execPath, [CLI, '--roles', options.roles], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        HOST: '127.0.0.1',
        PORT: String(port),
        KAFKA_BROKERS: options.brokers,
        TRACKPOINT_ADMIN_TOKEN: ADMIN_TOKEN,
        ...(options.dataDir ? { TRACKPOINT_DATA_DIR: options.dataDir } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | string>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
    )
    current = { child, exited }
    let mine = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      mine += chunk.toString()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.name}: no URL within 60 s:\n${mine}`)),
        60_000,
      )
      const look = () => {
        const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(mine)
        if (match) {
          clearTimeout(timer)
          resolve(match[1]!)
        }
      }
      child.stdout.on('data', look)
      child.stderr.on('data', look)
      void exited.then((code) => {
        clearTimeout(timer)
        reject(new Error(`${options.name} exited (${code}) before listening:\n${mine}`))
      })
    })
    port = Number(new URL(url).port)
  }

  await launch()
  const signal = async (name: NodeJS.Signals): Promise<number | string> => {
    const run = current
    if (!run) return 'not running'
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill(name)
    const code = await run.exited
    current = undefined
    return code
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: () => current?.child.pid,
    kill: async () => {
      await signal('SIGKILL')
    },
    stop: () => signal('SIGTERM'),
    restart: launch,
    output: () => output,
  }
}
