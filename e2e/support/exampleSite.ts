// Serves a built framework example (examples/<name>/dist, as `npm run build:examples` leaves it)
// on a 127.0.0.1 port of its own, pointed at a test collector: the endpoint the page names in
// its <meta name="trackpoint-endpoint"> is rewritten, as scripts/devServer.mjs does for PORT.
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { extname, join, normalize, sep } from 'node:path'
import { ensureBundle, repoRoot } from './site'

/** The endpoint the examples are built with: `npm start`'s backend. */
const BUILT_ENDPOINT = 'http://127.0.0.1:8080'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

export type ExampleName = 'react' | 'vue'

/** Builds the packages and the examples once when this example's build is missing. */
export function ensureExample(name: ExampleName): string {
  const dist = join(repoRoot, 'examples', name, 'dist')
  if (existsSync(join(dist, 'index.html'))) return dist
  ensureBundle()
  execFileSync('npm', ['run', 'build:examples'], { cwd: repoRoot, stdio: 'inherit' })
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`build:examples did not build ${dist}`)
  return dist
}

export interface ExampleSite {
  url: string
  close(): Promise<void>
}

/**
 * Serves the built example `name` pointed at `endpoint`. `transformHtml`, when given, rewrites
 * each HTML page after that (the three-engine suite adds its error capture).
 */
export async function startExampleSite(
  name: ExampleName,
  endpoint: string,
  transformHtml: (html: string) => string = (html) => html,
): Promise<ExampleSite> {
  const dist = ensureExample(name)
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://site').pathname
    const file = normalize(join(dist, pathname === '/' ? 'index.html' : pathname))
    if (!file.startsWith(dist + sep)) {
      res.writeHead(404).end()
      return
    }
    readFile(file).then(
      (body) => {
        const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream'
        res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' })
        res.end(
          type.startsWith('text/html')
            ? transformHtml(String(body).replace(BUILT_ENDPOINT, endpoint))
            : body,
        )
      },
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('example site did not bind a port')
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
