import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../store/migrations'

/**
 * A restart is a new process: chdb binds one data directory per process and keeps the engine
 * for the process's life, so only a child process proves the data is on disk. The child runs
 * the real store, bundled from source with esbuild (Node 20 runs no TypeScript).
 */
const run = promisify(execFile)
const require = createRequire(import.meta.url)
// The child resolves chdb and @clickhouse/client from the workspace's node_modules.
const NODE_MODULES = dirname(dirname(require.resolve('chdb/package.json')))

const CHILD = `
import { createChdbStore, toEventRow } from '../store'
import { deliveryStats } from '../stats/queries'
async function main() {
  const [mode, dir, payload] = process.argv.slice(2)
  const store = createChdbStore(dir)
  await store.migrate()
  if (mode === 'write') await store.insert('events', JSON.parse(payload).map(toEventRow))
  const [migrations] = await store.query('SELECT count() AS n FROM schema_migrations')
  const stats = await deliveryStats(store, 'd1')
  await store.close()
  process.stdout.write(JSON.stringify({ migrations: migrations.n, stats }))
}
main().catch((error) => {
  console.error(error)
  process.exit(1)
})
`

let work: string
let script: string

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'trackpoint-persist-'))
  script = join(work, 'child.cjs')
  const here = dirname(fileURLToPath(import.meta.url))
  await build({
    stdin: { contents: CHILD, resolveDir: here, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: script,
    external: ['chdb', 'chdb/*', '@clickhouse/client'],
    alias: { '@trackpoint/schema': join(here, '../../../packages/schema/src/index.ts') },
    logLevel: 'silent',
  })
}, 30_000)

afterAll(() => rmSync(work, { recursive: true, force: true }))

async function child(mode: 'write' | 'read', dir: string, events: unknown[] = []) {
  const { stdout } = await run(process.execPath, [script, mode, dir, JSON.stringify(events)], {
    env: { ...process.env, NODE_PATH: NODE_MODULES },
  })
  return JSON.parse(stdout) as { migrations: number; stats: { viewed_users: number } }
}

describe('createChdbStore on disk', () => {
  it('keeps migrations and events across a restart on the same directory', async () => {
    const dir = join(work, 'data')
    const now = Date.now()
    const events = ['u1', 'u2', 'u3'].map((user_id, i) => ({
      event_id: crypto.randomUUID(),
      event_name: 'recommend_impression',
      user_id,
      timestamp: now - i * 1000,
      platform: 'web',
      page: '/',
      session_id: 's',
      properties: { delivery_id: 'd1', content_type: 'card' },
      app_id: 'app',
      client_ip: '127.0.0.1',
      received_at: now,
      sdk_version: '0.1.0',
      app_version: '1.0.0',
    }))
    const written = await child('write', dir, events)
    expect(written).toMatchObject({ migrations: MIGRATIONS.length, stats: { viewed_users: 3 } })
    // A new process on the same directory: the schema is there (migrate() again is a no-op)
    // and so are the rows; writing the same events again (a replay) changes nothing.
    expect(await child('read', dir)).toEqual(written)
    expect(await child('write', dir, events)).toEqual(written)
    expect(await child('read', dir)).toEqual(written)
  }, 60_000)
})
