import { createRegistry, type Counter, type Histogram, type Registry } from '../http/prometheus'

/** Latency buckets in seconds: the SLO of issue 3 is p99 ≤ 50 ms, so most of them sit below. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The collector's metrics, rendered at `GET /metrics`. */
export interface CollectorMetrics {
  registry: Registry
  /** Requests by `route` and `status`. */
  requests: Counter
  /** Events published, by `app_id`. */
  accepted: Counter
  /**
   * Events not published, by `reason`: a validation code of @trackpoint/schema for an invalid
   * event, or the reason the whole request was refused (`rate_limited`, `bad_sign` …).
   */
  rejected: Counter
  /** Request duration by `route`, in seconds. */
  latency: Histogram
}

/**
 * Creates the collector's metrics. `gauges` are read at scrape time.
 *
 * @param gauges - Current values: events waiting for the bus, event-loop lag, breaker state.
 */
export function createCollectorMetrics(gauges: {
  inflightEvents: () => number
  eventLoopLagSeconds: () => number
  breakerOpen: () => boolean
}): CollectorMetrics {
  const registry = createRegistry()
  const metrics = {
    registry,
    requests: registry.counter(
      'trackpoint_collector_requests_total',
      'HTTP requests answered, by route and status.',
    ),
    accepted: registry.counter(
      'trackpoint_collector_events_accepted_total',
      'Events the bus acknowledged, by app.',
    ),
    rejected: registry.counter(
      'trackpoint_collector_events_rejected_total',
      'Events not accepted, by reason (validation code or why the request was refused).',
    ),
    latency: registry.histogram(
      'trackpoint_collector_request_duration_seconds',
      'Time from request to answer, by route.',
      LATENCY_BUCKETS,
    ),
  }
  registry.gauge(
    'trackpoint_collector_inflight_events',
    'Events handed to the bus and not yet acknowledged.',
    gauges.inflightEvents,
  )
  registry.gauge(
    'trackpoint_collector_event_loop_lag_seconds',
    'Event-loop lag (median over about a second) last measured.',
    gauges.eventLoopLagSeconds,
  )
  registry.gauge(
    'trackpoint_collector_bus_breaker_open',
    '1 while the bus circuit breaker is open (the bus failed repeatedly).',
    () => (gauges.breakerOpen() ? 1 : 0),
  )
  return metrics
}
