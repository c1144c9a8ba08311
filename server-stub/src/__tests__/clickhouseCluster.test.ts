// TRACKPOINT_CLICKHOUSE_CLUSTER through the real `trackpoint-server` command: the schema it
// creates on the ClickHouse server of CLICKHOUSE_URL is the cluster's (clusterMigrations.ts).
// No ClickHouse server or cluster can run here, so CLICKHOUSE_URL points at a loopback endpoint
// that records the statements the server sends and refuses them (the start then fails): what
// is checked is the first statement of the migrations, which tells a cluster's schema from a
// single server's. The statements themselves are checked in clusterMigrations.test.ts.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { clusterSchema } from '../store/clusterMigrations'
import { SCHEMA_MIGRATIONS_DDL } from '../store/migrations'
import { runCliToExit } from './cliProcess'

/** What the endpoint answers every statement: it is no ClickHouse. */
const REFUSAL = 'Code: 999. DB::Exception: a recording endpoint, not ClickHouse'

let endpoint: Server
let clickhouseUrl: string
let statements: string[] = []

beforeAll(async () => {
  endpoint = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    request.on('end', () => {
      // The client sends a statement as the body, or as `query` in the URL when it has a body
      // of data (an insert).
      const query = new URL(request.url ?? '/', 'http://x').searchParams.get('query')
      statements.push((query ?? body).trim())
      response.writeHead(500, { 'content-type': 'text/plain' }).end(REFUSAL)
    })
  })
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve))
  clickhouseUrl = `http://default:@127.0.0.1:${(endpoint.address() as AddressInfo).port}/trackpoint`
})
afterAll(() => new Promise<void>((resolve) => endpoint.close(() => resolve())))
beforeEach(() => {
  statements = []
})

const baseEnv = () => ({ TRACKPOINT_ADMIN_TOKEN: 'admin', CLICKHOUSE_URL: clickhouseUrl })

describe('TRACKPOINT_CLICKHOUSE_CLUSTER in the trackpoint-server command', () => {
  it('creates the schema ON CLUSTER on the ClickHouse server', async () => {
    const run = await runCliToExit({ ...baseEnv(), TRACKPOINT_CLICKHOUSE_CLUSTER: 'tp_cluster' })
    expect(run.output).toContain(REFUSAL)
    expect(run.code).toBe(1)
    expect(statements[0]).toBe(clusterSchema({ cluster: 'tp_cluster' }).schemaMigrationsDdl)
    expect(statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER tp_/)
  }, 90_000)

  it('creates the single-server schema when it is unset', async () => {
    const run = await runCliToExit(baseEnv())
    expect(run.output).toContain(REFUSAL)
    expect(run.code).toBe(1)
    expect(statements[0]).toBe(SCHEMA_MIGRATIONS_DDL)
  }, 90_000)

  it('refuses a cluster without CLICKHOUSE_URL before it opens any store', async () => {
    const run = await runCliToExit({
      TRACKPOINT_ADMIN_TOKEN: 'admin',
      TRACKPOINT_CLICKHOUSE_CLUSTER: 'tp_cluster',
    })
    expect(run.code).toBe(1)
    expect(run.output).toContain('TRACKPOINT_CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL')
    expect(statements).toEqual([])
  }, 90_000)
})
