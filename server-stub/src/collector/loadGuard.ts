import { monitorEventLoopDelay } from 'node:perf_hooks'

/** Options of {@link createLoadGuard}. */
export interface LoadGuardOptions {
  /** Most events handed to the bus and not yet acknowledged, all apps together. */
  maxInflightEvents: number
  /**
   * The share of `maxInflightEvents` one app may hold, so that an app whose events pile up
   * (a flood, a slow partition) leaves room for the others.
   * @default 0.5
   */
  appShare?: number
  /** Event-loop lag (ms) above which new requests are shed. */
  maxEventLoopLagMs: number
  /**
   * Reads the current event-loop lag in ms.
   * @default the median of `perf_hooks.monitorEventLoopDelay` over about the last second
   */
  eventLoopLag?: () => number
}

/** What the collector asks before it reads a body and before it publishes. */
export interface LoadGuard {
  /** Whether the process is so busy that new requests should be shed now. */
  lagging(): boolean
  /** Whether `count` more events of `appId` fit in the in-flight bounds. */
  hasRoom(appId: string, count: number): boolean
  /** Counts `count` events of `appId` as in flight; call the returned function when settled. */
  enter(appId: string, count: number): () => void
  /** Events in flight now, all apps (for metrics). */
  inflight(): number
  /** The last measured event-loop lag in ms (for metrics). */
  lagMs(): number
  /** Stops the lag monitor. */
  close(): void
}

/**
 * The event loop's median delay (ms) over windows of about a second, read lazily by requests.
 * The median, not a high percentile: one stall (start-up, a major GC) must not shed the next
 * requests; a loop that is late on most ticks is overloaded. A window older than 5 s means the
 * server was idle in between, and is dropped for the same reason.
 */
function createLagMonitor(): { read: () => number; close: () => void } {
  const histogram = monitorEventLoopDelay({ resolution: 20 })
  histogram.enable()
  let windowStart = Date.now()
  let last = 0
  return {
    read() {
      const time = Date.now()
      const age = time - windowStart
      if (age >= 1000) {
        // percentile() is in ns; the histogram is reset so the value follows recovery.
        last = age <= 5000 && histogram.count ? histogram.percentile(50) / 1e6 : 0
        histogram.reset()
        windowStart = time
      }
      return last
    },
    close: () => histogram.disable(),
  }
}

/**
 * Overload protection (§五.5 资源隔离, 熔断): bounds the events waiting for the bus in total and
 * per app, and sheds requests while the event loop lags. Both answer 503 + Retry-After, which
 * the SDK honours, instead of letting latency and memory grow until the process falls over.
 */
export function createLoadGuard(options: LoadGuardOptions): LoadGuard {
  const appLimit = Math.max(1, Math.floor(options.maxInflightEvents * (options.appShare ?? 0.5)))
  const monitor = options.eventLoopLag ? undefined : createLagMonitor()
  const readLag = options.eventLoopLag ?? monitor!.read
  const byApp = new Map<string, number>()
  let total = 0
  let lastLag = 0

  return {
    lagging() {
      lastLag = readLag()
      return lastLag > options.maxEventLoopLagMs
    },
    hasRoom(appId, count) {
      const mine = byApp.get(appId) ?? 0
      // A request larger than a bound still passes when nothing is in its way, or it never could.
      return (
        (total === 0 || total + count <= options.maxInflightEvents) &&
        (mine === 0 || mine + count <= appLimit)
      )
    },
    enter(appId, count) {
      total += count
      byApp.set(appId, (byApp.get(appId) ?? 0) + count)
      let left = false
      return () => {
        if (left) return
        left = true
        total -= count
        const remaining = (byApp.get(appId) ?? count) - count
        if (remaining > 0) byApp.set(appId, remaining)
        else byApp.delete(appId)
      }
    },
    inflight: () => total,
    lagMs: () => lastLag,
    close: () => monitor?.close(),
  }
}
