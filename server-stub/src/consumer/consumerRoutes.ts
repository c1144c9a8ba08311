import type { IncomingMessage, ServerResponse } from 'node:http'
import { PROMETHEUS_CONTENT_TYPE } from '../http/prometheus'
import { requestTarget } from '../http/requestTarget'
import { sendJson } from '../http/sendJson'
import type { ConsumerMetrics } from './consumerMetrics'

/** What the consumer's routes read. */
export interface ConsumerRoutesOptions {
  metrics: ConsumerMetrics
  /** Messages behind per partition, asked of the bus at each scrape (Kafka). */
  lag: () => Promise<Record<string, number>>
  /** Whether the store answers now. */
  storeConnected: () => Promise<boolean>
  /** Whether the process is shutting down (health answers 503 `draining`). */
  draining: () => boolean
  /** Serve `GET /metrics` too (false when the collector serves it, with these metrics in). */
  serveMetrics: boolean
  /**
   * Batches failing for this long without a success make health 503: the consumer is stuck
   * (a store that is down, a dead-letter topic that is).
   * @default 30000
   */
  stuckAfterMs?: number
  /** The clock, ms. @default Date.now */
  now?: () => number
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())

/**
 * The consumer role's own HTTP routes, so a consumer-only process can be watched:
 * `GET /health` (200 `healthy`; 503 `unhealthy` when the store does not answer or batches have
 * failed for `stuckAfterMs`, 503 `draining` during shutdown) and `GET /metrics`. Returns
 * whether it answered.
 */
export function createConsumerRoutes(options: ConsumerRoutesOptions) {
  const now = options.now ?? Date.now
  const stuckAfterMs = options.stuckAfterMs ?? 30_000
  /** Renders the consumer's metrics after refreshing its lag. */
  const render = async (): Promise<string> => {
    options.metrics.setLag(await options.lag().catch(() => ({})))
    return options.metrics.registry.render()
  }
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = requestTarget(req.url).pathname
    if (req.method !== 'GET') return false
    if (path === '/health') {
      const store = await options.storeConnected().catch(() => false)
      const failingSince = options.metrics.failingSince()
      const stuck = failingSince !== undefined && now() - failingSince >= stuckAfterMs
      const status = options.draining() ? 'draining' : !store || stuck ? 'unhealthy' : 'healthy'
      sendJson(res, status === 'healthy' ? 200 : 503, {
        status,
        role: 'consumer',
        clickhouse_connected: store,
        last_commit_at: iso(options.metrics.lastCommitAt()),
        failing_since: iso(failingSince),
        lag: await options.lag().catch(() => ({})),
      })
      return true
    }
    if (path === '/metrics' && options.serveMetrics) {
      const text = await render()
      res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE }).end(text)
      return true
    }
    return false
  }
  return Object.assign(route, { render })
}
