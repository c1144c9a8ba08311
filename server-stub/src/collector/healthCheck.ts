import type { EventBus } from '../types'
import type { Answer } from './answer'

/** What the health route reads. */
export interface HealthDeps {
  bus: EventBus
  /** Whether the store answers; absent when this process does not use it (collector + Kafka). */
  storeConnected?: () => Promise<boolean>
  /** The bus stores straight into the store (embedded): health is 503 while it cannot. */
  storeRequired: boolean
  /** Whether the process is shutting down: 503 `draining`, so balancers stop sending. */
  draining: () => boolean
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
 * bus), `clickhouse_connected` the store (`null` in a collector-only process, which never uses
 * it: Kafka is the buffer). Status:
 * - `healthy` (200): the bus takes events (and the store answers, where this process uses it);
 * - `degraded` (200): with Kafka, the bus takes events but the store is down; they wait there;
 * - `unhealthy` (503, so load balancers route around it): the bus is down or its breaker open,
 *   or, embedded, the store is down (the embedded bus is the store);
 * - `draining` (503): the process got SIGTERM and finishes what it has.
 */
export function createHealthCheck(deps: HealthDeps): () => Promise<Answer> {
  return async () => {
    const store = deps.storeConnected ? await storeUp(deps.storeConnected) : null
    const busUp =
      deps.bus.connected() && !deps.breakerOpen() && (!deps.storeRequired || store === true)
    const status = deps.draining()
      ? 'draining'
      : !busUp
        ? 'unhealthy'
        : store === false
          ? 'degraded'
          : 'healthy'
    return {
      status: busUp && status !== 'draining' ? 200 : 503,
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
