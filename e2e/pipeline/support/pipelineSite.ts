// Serves one of the three examples to the pipeline specs, pointed at `endpoint` (the recording
// proxy) and with the ledger's tracker plugin added to the example's own tracker options:
// - script-tag: examples/script-tag/index.html and the built CDN bundle; the plugin and
//   `options` are added to its `trackpoint('init', {…})` call;
// - react / vue: examples/<name>/dist (npm run build:examples); the plugin and `options` are
//   added to the shared `trackerOptions` object in the built JavaScript.
// The examples' code is otherwise served as built. A rewrite that finds nothing fails loudly.
import { createServer } from 'node:http'
import { readFile, readdir } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { ensureExample } from '../../support/exampleSite'
import { bundlePath, ensureBundle, repoRoot } from '../../support/site'

/** The three examples. */
export type PipelineExample = 'script-tag' | 'react' | 'vue'

const BUILT_ENDPOINT = 'http://127.0.0.1:8080'
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

const replaceOnce = (text: string, find: string, put: string, where: string): string => {
  const at = text.indexOf(find)
  if (at < 0 || text.indexOf(find, at + 1) >= 0) {
    throw new Error(
      `${where}: expected ${JSON.stringify(find)} exactly once; did the example change?`,
    )
  }
  return text.slice(0, at) + put + text.slice(at + find.length)
}

/** A same-origin page without a tracker: where a user goes after leaving the example. */
export const BLANK_PATH = '/__blank.html'

/** A served example. */
export interface PipelineSite {
  url: string
  /** A same-origin page without a tracker. */
  blankUrl: string
  close(): Promise<void>
}

/**
 * Serves `example` on a free 127.0.0.1 port. `options` are tracker options merged into the
 * example's (e.g. `{flushInterval: 1000}`).
 */
export async function startPipelineSite(
  example: PipelineExample,
  endpoint: string,
  options: Record<string, unknown> = {},
): Promise<PipelineSite> {
  const extra = `plugins: [window.__trackpointLedger], ...${JSON.stringify(options)},`
  const files = new Map<string, { type: string; body: Buffer | string }>()
  if (example === 'script-tag') {
    ensureBundle()
    let html = await readFile(join(repoRoot, 'examples/script-tag/index.html'), 'utf8')
    html = replaceOnce(html, BUILT_ENDPOINT, endpoint, 'script-tag endpoint')
    html = replaceOnce(
      html,
      "trackpoint('init', {",
      `trackpoint('init', { ${extra}`,
      'script-tag init',
    )
    files.set('/', { type: TYPES['.html']!, body: html })
    files.set('/trackpoint.min.js', { type: TYPES['.js']!, body: await readFile(bundlePath) })
  } else {
    const dist = ensureExample(example)
    const html = await readFile(join(dist, 'index.html'), 'utf8')
    files.set('/', { type: TYPES['.html']!, body: html.replace(BUILT_ENDPOINT, endpoint) })
    for (const name of await readdir(join(dist, 'assets'))) {
      const path = normalize(join(dist, 'assets', name))
      if (!path.startsWith(dist + sep)) continue
      let body: Buffer | string = await readFile(path)
      if (extname(name) === '.js' && body.includes('appId:`dev_app`,')) {
        body = replaceOnce(String(body), 'appId:`dev_app`,', `appId:\`dev_app\`,${extra}`, name)
      }
      files.set(`/assets/${name}`, {
        type: TYPES[extname(name)] ?? 'application/octet-stream',
        body,
      })
    }
    if (![...files.values()].some((f) => String(f.body).includes('__trackpointLedger'))) {
      throw new Error(`${example}: no tracker options found in the built JavaScript`)
    }
  }
  files.set(BLANK_PATH, { type: TYPES['.html']!, body: '<!doctype html><title>left</title>' })
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://site').pathname
    const file = files.get(pathname) ?? (extname(pathname) ? undefined : files.get('/'))
    if (!file) res.writeHead(pathname === '/favicon.ico' ? 204 : 404).end()
    else
      res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-store' }).end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('site did not bind a port')
  return {
    url: `http://127.0.0.1:${address.port}/`,
    blankUrl: `http://127.0.0.1:${address.port}${BLANK_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
