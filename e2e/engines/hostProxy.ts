// A plain-http forward proxy on 127.0.0.1 that sends requests for one host name to 127.0.0.1:
// how MiniBrowser, which has no host-resolver switch, reaches http://trackpoint.test:port — a
// plain-http origin that is not a secure context. Only that name goes through it (the browser
// is told to bypass the proxy for everything else); any other host is refused.
import { createServer, request } from 'node:http'

/** A running proxy: `url` is the value for the browser's proxy setting. */
export interface HostProxy {
  url: string
  close(): Promise<void>
}

/** Starts the proxy for `host` (→ 127.0.0.1, same port). */
export async function startHostProxy(host: string): Promise<HostProxy> {
  const server = createServer((req, res) => {
    let target: URL
    try {
      target = new URL(req.url ?? '')
    } catch {
      res.writeHead(400).end('absolute URL expected')
      return
    }
    if (target.hostname !== host) {
      res.writeHead(403).end(`this proxy only serves ${host}`)
      return
    }
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target.port || 80,
        method: req.method,
        path: target.pathname + target.search,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    // A server of the test that went away: the page sees a failed request, the proxy goes on.
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()))
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('proxy did not bind a port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
