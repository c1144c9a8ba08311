// A static site for the capture specs: serves the built CDN bundle — delayed by `?delay=ms`, to
// play a slow CDN — and the pages a spec passes in. Any path without a page of its own serves
// `/index.html`, as a single-page app's server does, so SPA routes survive a reload.
import { createServer } from 'node:http'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { bundlePath, sendBundle } from './site'

export interface PageSite {
  /** Origin of the site, e.g. `http://127.0.0.1:41234`. */
  url: string
  /** Times the bundle was requested. */
  bundleRequests: number
  close(): Promise<void>
}

/** The Subresource Integrity value of the built bundle, as `npm run build` prints it. */
export const bundleIntegrity = (): string =>
  `sha384-${createHash('sha384').update(readFileSync(bundlePath)).digest('base64')}`

export async function startPageSite(pages: Record<string, string>): Promise<PageSite> {
  const site: PageSite = { url: '', bundleRequests: 0, close: async () => undefined }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://site')
    if (url.pathname === '/trackpoint.min.js') {
      site.bundleRequests++
      const delay = Number(url.searchParams.get('delay') ?? 0)
      setTimeout(() => sendBundle(res), delay)
    } else if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end()
    } else {
      const html = pages[url.pathname] ?? pages['/index.html']
      if (html === undefined) res.writeHead(404).end()
      else res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('site did not bind a port')
  site.url = `http://127.0.0.1:${address.port}`
  site.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return site
}
