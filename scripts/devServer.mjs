// `npm start`: try the SDK end to end before the real backend exists.
//
// Starts the DEVELOPMENT collector of scripts/devCollector.mjs (in-memory, not the real
// backend) with the development app `dev_app` / `dev_secret`, and serves the script-tag example
// with the freshly built /trackpoint.min.js. Both listen on 127.0.0.1 only.
//
//   PORT           collector port, default 8080
//   PORT_EXAMPLES  example site port, default 5173
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCollector } from './devCollector.mjs'

const HOST = '127.0.0.1'
const root = fileURLToPath(new URL('..', import.meta.url))
const exampleDir = join(root, 'examples', 'script-tag')
const distDir = join(root, 'packages', 'core', 'dist')

// The development app. Its secret ships to the browser in the example page: fine for a dev
// collector on localhost, never for production (use the SDK's `sign` option there).
const DEV_APP = { app_id: 'dev_app', secrets: ['dev_secret'] }
// examples/script-tag/index.html names this endpoint; it is rewritten when PORT differs.
const EXAMPLE_ENDPOINT = 'http://127.0.0.1:8080'

/** @type {Record<string, string>} */
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

/**
 * @param {string | undefined} value
 * @param {number} fallback
 * @param {string} name
 */
const portFrom = (value, fallback, name) => {
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number (0-65535), got "${value}"`)
  }
  return port
}

/**
 * Maps a URL path to a file: the bundle from packages/core/dist, everything else from the
 * example folder. Returns undefined for paths that escape their folder.
 * @param {string} pathname
 */
const fileFor = (pathname) => {
  if (pathname === '/trackpoint.min.js' || pathname === '/trackpoint.min.js.map') {
    return join(distDir, pathname.slice(1))
  }
  const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).slice(1)
  const file = normalize(join(exampleDir, relative))
  return file.startsWith(exampleDir + sep) ? file : undefined
}

/**
 * @param {Array<{ event_name: string }>} events
 * @returns {string} e.g. `page_view, card_click×2`
 */
const summarize = (events) => {
  /** @type {Map<string, number>} */
  const counts = new Map()
  for (const { event_name: name } of events) counts.set(name, (counts.get(name) ?? 0) + 1)
  return [...counts].map(([name, n]) => (n > 1 ? `${name}×${n}` : name)).join(', ')
}

/**
 * @param {number} port
 * @param {string} collectorUrl
 */
const startExampleSite = async (port, collectorUrl) => {
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://example')
    const file = fileFor(pathname)
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end('not found')
      return
    }
    try {
      let body = await readFile(file)
      const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream'
      if (extname(file) === '.html' && collectorUrl !== EXAMPLE_ENDPOINT) {
        body = Buffer.from(body.toString('utf8').replaceAll(EXAMPLE_ENDPOINT, collectorUrl))
      }
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch {
      const hint = file.startsWith(distDir) ? ' (run `npm run build`)' : ''
      res.writeHead(404).end(`not found${hint}`)
    }
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, HOST, () => resolve(undefined))
  })
  const address = server.address()
  return {
    server,
    url: `http://${HOST}:${typeof address === 'object' && address ? address.port : port}`,
  }
}

const main = async () => {
  const collector = await startCollector({
    host: HOST,
    port: portFrom(process.env.PORT, 8080, 'PORT'),
    apps: [DEV_APP],
    onBatch: ({ request, events, debug }) => {
      const where = `${request.path} ${request.kind}${request.encoding ? ` ${request.encoding}` : ''}`
      if (request.status !== 200) {
        console.log(`[dev collector] ${request.status} ${where}`)
      } else if (debug) {
        console.log(`[dev collector] debug ${where}: ${request.eventIds.length} event(s) validated`)
      } else {
        console.log(`[dev collector] ${where}: ${events.length} event(s): ${summarize(events)}`)
      }
    },
  })
  const site = await startExampleSite(
    portFrom(process.env.PORT_EXAMPLES, 5173, 'PORT_EXAMPLES'),
    collector.url,
  )

  console.log(
    [
      '',
      'Trackpoint development server (not the real backend)',
      `  example page   ${site.url}/`,
      `  collector      ${collector.url}/api/v1/track  (app_id dev_app, secret dev_secret)`,
      `  health         ${collector.url}/api/v1/track/health`,
      'Events are printed below as they arrive and kept in memory only. Ctrl+C stops.',
      '',
    ].join('\n'),
  )

  let stopping = false
  /** @param {NodeJS.Signals} signal */
  const stop = async (signal) => {
    if (stopping) process.exit(1) // a second Ctrl+C: do not wait for open connections
    stopping = true
    console.log(`\n${signal}: stopping the development server`)
    site.server.closeAllConnections()
    await Promise.all([
      collector.close(),
      new Promise((resolve) => site.server.close(() => resolve(undefined))),
    ])
    process.exit(0)
  }
  process.on('SIGINT', (signal) => void stop(signal))
  process.on('SIGTERM', (signal) => void stop(signal))
}

main().catch((/** @type {unknown} */ error) => {
  const code = /** @type {{ code?: string }} */ (error)?.code
  console.error(
    code === 'EADDRINUSE'
      ? `[dev server] ${String(error)}: set PORT / PORT_EXAMPLES to free ports`
      : error,
  )
  process.exit(1)
})
