// `npm start`: the embedded backend and the examples, on one machine with nothing else installed.
//
// Starts @trackpoint/server with every role in this process — the in-process bus and the
// ClickHouse engine (chdb), data in TRACKPOINT_DATA_DIR (default ./.data) — configured from the
// environment as docs/server.md describes (without TRACKPOINT_APPS: the development app
// `dev_app` / `dev_secret`), and serves the examples: the script-tag one at / with the freshly
// built /trackpoint.min.js, the built React and Vue ones at /react/ and /vue/, and the Next.js
// App Router one, exported as a static site (scripts/buildNextExample.mjs), at /next/. The
// backend serves the dashboard (built by `npm run build`) at /dashboard/. Both listen on
// 127.0.0.1 only.
//
//   PORT           backend port, default 8080
//   PORT_EXAMPLES  example site port, default 5173
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, startServer } from '../server-stub/dist/index.mjs'

const HOST = '127.0.0.1'
const root = fileURLToPath(new URL('..', import.meta.url))
const exampleDir = join(root, 'examples', 'script-tag')
const distDir = join(root, 'packages', 'core', 'dist')
/** URL prefix → folder of a built framework example (`npm run build:examples`). */
const builtExamples = {
  '/react/': join(root, 'examples', 'react', 'dist'),
  '/vue/': join(root, 'examples', 'vue', 'dist'),
  '/next/': join(root, 'examples', 'next', 'out'),
}
/** How to build each example when its files are missing. */
const BUILD_HINTS = {
  '/react/': 'npm run build:examples',
  '/vue/': 'npm run build:examples',
  '/next/': 'node scripts/buildNextExample.mjs',
}

// The examples name this endpoint; it is rewritten when PORT differs: in HTML, and in the
// Next.js example's .txt files (the React Server Components payloads a navigation loads).
const EXAMPLE_ENDPOINT = 'http://127.0.0.1:8080'

/** @type {Record<string, string>} */
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  // The Next.js example's React Server Components payloads: its router fetches them on a
  // client-side navigation and wants this type (otherwise it reloads the whole page).
  '.txt': 'text/x-component',
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
 * Maps a URL path to a file: the bundle from packages/core/dist, /react/… and /vue/… from the
 * built examples, everything else from the script-tag example. Returns undefined for paths
 * that escape their folder.
 * @param {string} pathname
 */
const fileFor = (pathname) => {
  if (pathname === '/trackpoint.min.js' || pathname === '/trackpoint.min.js.map') {
    return join(distDir, pathname.slice(1))
  }
  const [prefix, dir] = Object.entries(builtExamples).find(([p]) => pathname.startsWith(p)) ?? [
    '/',
    exampleDir,
  ]
  const rest = decodeURIComponent(pathname.slice(prefix.length))
  // A folder's index.html: `/next/rewards/` (Next.js exports one folder per route).
  const file = normalize(join(dir, rest === '' || rest.endsWith('/') ? `${rest}index.html` : rest))
  return file.startsWith(dir + sep) ? file : undefined
}

/**
 * @param {number} port
 * @param {string} collectorUrl
 */
const startExampleSite = async (port, collectorUrl) => {
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://example')
    if (`${pathname}/` in builtExamples) {
      res.writeHead(301, { Location: `${pathname}/` }).end()
      return
    }
    const file = fileFor(pathname)
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end('not found')
      return
    }
    try {
      let body = await readFile(file)
      const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream'
      if (['.html', '.txt'].includes(extname(file)) && collectorUrl !== EXAMPLE_ENDPOINT) {
        body = Buffer.from(body.toString('utf8').replaceAll(EXAMPLE_ENDPOINT, collectorUrl))
      }
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch {
      const built = Object.entries(builtExamples).find(([, dir]) => file.startsWith(dir))
      const hint = file.startsWith(distDir)
        ? ' (run `npm run build`)'
        : built
          ? ` (run \`${BUILD_HINTS[/** @type {keyof typeof BUILD_HINTS} */ (built[0])]}\`)`
          : ''
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
  const config = loadConfig({
    ...process.env,
    PORT: String(portFrom(process.env.PORT, 8080, 'PORT')),
  })
  const backend = await startServer({ config })
  const site = await startExampleSite(
    portFrom(process.env.PORT_EXAMPLES, 5173, 'PORT_EXAMPLES'),
    backend.url ?? EXAMPLE_ENDPOINT,
  )
  const url = backend.url
  console.error(
    [
      '',
      'Trackpoint — embedded backend (in-process bus, ClickHouse engine) and the examples',
      `  examples       ${site.url}/ (script tag)   ${site.url}/react/   ${site.url}/vue/   ${site.url}/next/`,
      `  collector      ${url}/api/v1/track   health ${url}/api/v1/track/health`,
      `  dashboard      ${url}/dashboard/  (token: ${backend.adminToken})`,
      `  stats          ${url}/api/stats/overview  (Authorization: Bearer ${backend.adminToken})`,
      `  data           ${config.dataDir}`,
      config.devApp
        ? '  DEVELOPMENT APP dev_app / dev_secret (TRACKPOINT_APPS unset): for local use only.'
        : `  apps           ${config.apps.map((app) => app.app_id).join(', ')}`,
      'One JSON line per request follows. Ctrl+C stops.',
      '',
    ].join('\n'),
  )

  let stopping = false
  /** @param {NodeJS.Signals} signal */
  const stop = async (signal) => {
    if (stopping) process.exit(1) // a second Ctrl+C: do not wait for open connections
    stopping = true
    console.error(`\n${signal}: stopping`)
    site.server.closeAllConnections()
    await Promise.all([
      backend.close(),
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
