// The static test site: one 127.0.0.1 origin that serves the built IIFE and a page creating a
// tracker from options in its URL. The collector runs on another port, so every request is
// cross-origin, as in production.
import { createServer, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ERROR_CAPTURE_SCRIPT } from './pageErrors'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
export const bundlePath = fileURLToPath(
  new URL('../../packages/core/dist/trackpoint.min.js', import.meta.url),
)

/** Builds the packages once when the IIFE is missing, so `npx playwright test` works alone. */
/** Answers with the built CDN bundle, never cached, or a 404 that says to build it. */
export function sendBundle(res: ServerResponse): void {
  readFile(bundlePath).then(
    (code) =>
      res
        .writeHead(200, {
          'Content-Type': 'text/javascript; charset=utf-8',
          'Cache-Control': 'no-store',
        })
        .end(code),
    () => res.writeHead(404).end('run npm run build first'),
  )
}

export function ensureBundle(): void {
  if (existsSync(bundlePath)) return
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' })
  if (!existsSync(bundlePath)) throw new Error(`npm run build did not produce ${bundlePath}`)
}

// The options travel in the URL so that a reload, or a second tab opened on the same URL,
// builds the same tracker. onError is not JSON, so the page adds it and keeps what it reports.
const trackerPage = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Trackpoint e2e</title>${ERROR_CAPTURE_SCRIPT}</head>
  <body>
    <h1>Trackpoint e2e</h1>
    <script src="/trackpoint.min.js"></script>
    <script>
      window.trackErrors = []
      const options = JSON.parse(new URLSearchParams(location.search).get('options') || '{}')
      window.tracker = Trackpoint.createTracker({
        ...options,
        onError: (error) =>
          window.trackErrors.push({ kind: error.kind, message: error.message, status: error.status }),
      })
    </script>
  </body>
</html>
`

// A page of the same origin without a tracker: a place to navigate away to.
const blankPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>elsewhere</title></head><body>elsewhere</body></html>
`

export interface Site {
  /** Origin of the site, e.g. `http://127.0.0.1:41234`. */
  url: string
  /** URL of the page that creates `window.tracker` from `options`. */
  /** `csp`, when given, is sent as the page's Content-Security-Policy header. */
  trackerUrl(options: object, csp?: string): string
  /** URL of a same-origin page without a tracker. */
  blankUrl: string
  close(): Promise<void>
}

export async function startSite(): Promise<Site> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname
    if (path === '/tracker.html') {
      const csp = new URL(req.url ?? '/', 'http://site').searchParams.get('csp')
      res
        .writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          ...(csp ? { 'Content-Security-Policy': csp } : {}),
        })
        .end(trackerPage)
    } else if (path === '/blank.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(blankPage)
    } else if (path === '/trackpoint.min.js') {
      sendBundle(res)
    } else if (path === '/favicon.ico') {
      // Answered so the browser's automatic request does not log a 404 into every test.
      res.writeHead(204).end()
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('site did not bind a port')
  const url = `http://127.0.0.1:${address.port}`
  return {
    url,
    trackerUrl: (options, csp) =>
      `${url}/tracker.html?${new URLSearchParams({ options: JSON.stringify(options), ...(csp ? { csp } : {}) })}`,
    blankUrl: `${url}/blank.html`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
