import { createServer, type RequestListener, type Server } from 'node:http'

/** A server started by {@link listen}. */
export interface ListeningServer {
  server: Server
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string
  port: number
  /**
   * Stops accepting connections at once, lets the requests in flight finish (closing each
   * connection once idle), and resolves when every connection closed; after `graceMs` the
   * connections still open are cut.
   * @default graceMs 10000
   */
  close(graceMs?: number): Promise<void>
}

/**
 * Serves `listener` on `host:port` (port 0 picks a free one) with timeouts that keep slow or
 * stalled clients from holding sockets for ever (slowloris).
 *
 * @param listener - A request listener, e.g. a collector.
 * @param options - Where to listen.
 * @default options.host '127.0.0.1'
 */
export async function listen(
  listener: RequestListener,
  { port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {},
): Promise<ListeningServer> {
  const server = createServer(
    // Keep-alive longer than typical load balancers' idle timeout (60 s) avoids races where the
    // server closes a connection the balancer is about to reuse.
    { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 65_000 },
    listener,
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    server,
    url: `http://${shownHost}:${bound}`,
    port: bound,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        // Keep-alive connections go idle between requests: close each as soon as it is. A
        // connection in the middle of a request is left to finish it and get its answer.
        server.closeIdleConnections()
        const sweep = setInterval(() => server.closeIdleConnections(), 50)
        const cut = setTimeout(() => server.closeAllConnections(), graceMs)
        server.once('close', () => {
          clearInterval(sweep)
          clearTimeout(cut)
        })
      }),
  }
}
