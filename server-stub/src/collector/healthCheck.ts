import type { EventBus } from '../types'
import type { Answer } from './answer'

/** What the health route reads. */
export interface HealthDeps {
  bus: EventBus
  storeConnected: () => Promise<boolean>
  breakerOpen: () => boolean
  version: string
  startedAt: number
  now: () => number
}

/** A store check slower than this counts as not connected: health must answer fast. */
const STORE_CHECK_TIMEOUT_MS = 2000

/** `storeConnected()`, false when it throws or takes longer than the timeout. */
async function storeUp(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), STORE_CHECK_TIMEOUT_MS)
  })
  try {
    return await Promise.race([check().catch(() => false), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `GET /api/v1/track/health` (§五.4). `kafka_connected` reports the bus (Kafka, or the embedded
 * bus), `clickhouse_connected` the store. Status:
 * - `healthy` (200): both up;
 * - `degraded` (200): the bus takes events but the store is down; the events wait in Kafka;
 * - `unhealthy` (503, so load balancers route around it): the bus is down or its breaker open,
 *   and track requests are answered 503.
 */
export function createHealthCheck(deps: HealthDeps): () => Promise<Answer> {
  return async () => {
    const busUp = deps.bus.connected() && !deps.breakerOpen()
    const store = await storeUp(deps.storeConnected)
    const status = !busUp ? 'unhealthy' : store ? 'healthy' : 'degraded'
    return {
      status: busUp ? 200 : 503,
      body: {
        status,
        version: deps.version,
        kafka_connected: deps.bus.connected(),
        clickhouse_connected: store,
        uptime_seconds: Math.floor((deps.now() - deps.startedAt) / 1000),
      },
    }
  }
}
