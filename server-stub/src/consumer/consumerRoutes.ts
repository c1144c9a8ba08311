import type { FastifyPluginAsync } from 'fastify'
import { sendJson } from '../http/createHttpServer'
import { sendMetrics } from '../http/metricsRoute'
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

/** Refreshes the consumer's lag gauge from the bus; call before rendering its registry. */
export const refreshLag = async (options: Pick<ConsumerRoutesOptions, 'metrics' | 'lag'>) =>
  options.metrics.setLag(await options.lag().catch(() => ({})))

/**
 * The consumer role's own HTTP routes, as a Fastify plugin, so a consumer-only process can be
 * watched: `GET /health` (200 `healthy`; 503 `unhealthy` when the store does not answer or
 * batches have failed for `stuckAfterMs`, 503 `draining` during shutdown) and `GET /metrics`.
 * Both answer under load (`@fastify/under-pressure` lets them through).
 */
export const consumerRoutes: FastifyPluginAsync<ConsumerRoutesOptions> = async (app, options) => {
  const now = options.now ?? Date.now
  const stuckAfterMs = options.stuckAfterMs ?? 30_000
  const unshed = { pressureHandler: () => undefined }
  app.get('/health', { config: unshed }, async (_request, reply) => {
    const store = await options.storeConnected().catch(() => false)
    const failingSince = options.metrics.failingSince()
    const stuck = failingSince !== undefined && now() - failingSince >= stuckAfterMs
    const status = options.draining() ? 'draining' : !store || stuck ? 'unhealthy' : 'healthy'
    sendJson(reply, status === 'healthy' ? 200 : 503, {
      status,
      role: 'consumer',
      clickhouse_connected: store,
      last_commit_at: iso(options.metrics.lastCommitAt()),
      failing_since: iso(failingSince),
      lag: await options.lag().catch(() => ({})),
    })
  })
  if (options.serveMetrics) {
    app.get('/metrics', { config: unshed }, async (_request, reply) => {
      await refreshLag(options)
      await sendMetrics(reply, options.metrics.registry)
    })
  }
}
