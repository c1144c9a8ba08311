import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { createMetricsRegistry } from '../http/metricsRegistry'

/** Latency buckets in seconds: the SLO of issue 3 is p99 ≤ 50 ms, so most of them sit below. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The collector's metrics, rendered at `GET /metrics`. */
export interface CollectorMetrics {
  /** The registry they are in (with the process's default metrics unless one was passed). */
  registry: Registry
  /** Requests by `route` and `status`. */
  requests: Counter<'route' | 'status'>
  /** Events published, by `app_id`. */
  accepted: Counter<'app_id'>
  /**
   * Events not published, by `reason`: a validation code of @trackpoint/schema for an invalid
   * event, or the reason the whole request was refused (`rate_limited`, `bad_sign` …).
   */
  rejected: Counter<'reason'>
  /**
   * Events stored although the plan in force does not cover them (`TRACKPOINT_UNPLANNED` flag
   * or accept), by the first reason's code (`unknown_event`, `invalid_value` …).
   */
  unplanned: Counter<'reason'>
  /** Request duration by `route`, in seconds. */
  latency: Histogram<'route'>
}

/**
 * Creates the collector's metrics in `registry`. `gauges` are read at scrape time.
 *
 * @param gauges - Current values: events waiting for the bus, event-loop lag, breaker state.
 * @param registry - Where they go; the server's one, shared by its roles.
 * @default registry a new one with the default process metrics
 */
export function createCollectorMetrics(
  gauges: {
    inflightEvents: () => number
    eventLoopLagSeconds: () => number
    breakerOpen: () => boolean
  },
  registry: Registry = createMetricsRegistry(),
): CollectorMetrics {
  const registers = [registry]
  const metrics: CollectorMetrics = {
    registry,
    requests: new Counter({
      name: 'trackpoint_collector_requests_total',
      help: 'HTTP requests answered, by route and status.',
      labelNames: ['route', 'status'],
      registers,
    }),
    accepted: new Counter({
      name: 'trackpoint_collector_events_accepted_total',
      help: 'Events the bus acknowledged, by app.',
      labelNames: ['app_id'],
      registers,
    }),
    rejected: new Counter({
      name: 'trackpoint_collector_events_rejected_total',
      help: 'Events not accepted, by reason (validation code or why the request was refused).',
      labelNames: ['reason'],
      registers,
    }),
    unplanned: new Counter({
      name: 'trackpoint_collector_events_unplanned_total',
      help: 'Events stored that the tracking plan in force does not cover, by the first reason.',
      labelNames: ['reason'],
      registers,
    }),
    latency: new Histogram({
      name: 'trackpoint_collector_request_duration_seconds',
      help: 'Time from request to answer, by route.',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  }
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read())
      },
    })
  gauge(
    'trackpoint_collector_inflight_events',
    'Events handed to the bus and not yet acknowledged.',
    gauges.inflightEvents,
  )
  gauge(
    'trackpoint_collector_event_loop_lag_seconds',
    'Event-loop lag (median over about a second) last measured.',
    gauges.eventLoopLagSeconds,
  )
  gauge(
    'trackpoint_collector_bus_breaker_open',
    '1 while the bus circuit breaker is open (the bus failed repeatedly).',
    () => (gauges.breakerOpen() ? 1 : 0),
  )
  return metrics
}
