import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config'
import { ROLES, startServer, type Role } from './startServer'

const USAGE = `Usage: trackpoint-server [--roles collector,consumer,stats]

Runs the Trackpoint backend. Without KAFKA_BROKERS and CLICKHOUSE_URL everything runs in this
process: an in-process bus and the ClickHouse engine (chdb) with data in TRACKPOINT_DATA_DIR.
Configuration is by environment; see docs/server.md.`

/** How long requests in flight may take to finish after SIGTERM. */
const DRAIN_GRACE_MS = 10_000
/** The most a SIGTERM waits for the drain (requests, bus flush, consumer commit) before exit. */
const EXIT_DEADLINE_MS = 30_000

/** Parses `--roles a,b`; every role when absent. */
export function parseRoles(value: string | undefined): Role[] {
  if (!value) return [...ROLES]
  const roles = value.split(',').map((role) => role.trim())
  const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role))
  if (unknown.length || !roles.length) {
    throw new ConfigError(`--roles takes ${ROLES.join(', ')}; got "${value}"`)
  }
  return roles as Role[]
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { roles: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const config = loadConfig()
  const roles = parseRoles(values.roles)
  const server = await startServer({ config, roles })
  const say = (line: string) => process.stderr.write(`${line}\n`)
  const cluster = config.clickhouseCluster ? ` on cluster ${config.clickhouseCluster}` : ''
  say(
    `trackpoint-server: roles ${roles.join(', ')}; bus ${server.backends.bus}, store ${server.backends.store}${cluster}`,
  )
  if (server.url) {
    if (roles.includes('collector')) {
      say(`  collector  ${server.url}/api/v1/track   health ${server.url}/api/v1/track/health`)
    }
    if (roles.includes('stats')) say(`  stats      ${server.url}/api/stats/overview`)
    if (roles.includes('consumer') && server.backends.bus === 'kafka') {
      say(`  consumer   health ${server.url}/health`)
    }
    say(`  metrics    ${server.url}/metrics`)
  }
  if (config.devApp) {
    say('  DEVELOPMENT APP: TRACKPOINT_APPS is unset, so app_id "dev_app" with secret "dev_secret"')
    say(`  accepts events from any origin, and the admin token is "${server.adminToken}".`)
    say('  Never run this way in production: set TRACKPOINT_APPS and TRACKPOINT_ADMIN_TOKEN.')
  }
  if (server.backends.store === 'embedded') say(`  data in ${config.dataDir}`)
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    say(`trackpoint-server: ${signal}, draining`)
    // The drain is bounded: requests in flight get DRAIN_GRACE_MS, and whatever still hangs
    // after EXIT_DEADLINE_MS (a broker that does not answer a flush) is given up on.
    setTimeout(() => {
      say(`trackpoint-server: not drained within ${EXIT_DEADLINE_MS} ms; exiting`)
      process.exit(1)
    }, EXIT_DEADLINE_MS).unref()
    server.close(DRAIN_GRACE_MS).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`trackpoint-server: ${error.message}\n\n${USAGE}`)
  else console.error(error)
  process.exit(1)
})
