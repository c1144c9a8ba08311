import { describe, expect, it } from 'vitest'
import { createCircuitBreaker } from '../collector/circuitBreaker'
import { createLoadGuard } from '../collector/loadGuard'
import { createRateLimiter } from '../collector/rateLimiter'
import { clientIp } from '../http/clientIp'
import { createCollectorMetrics } from '../collector/collectorMetrics'
import { createConsumerMetrics } from '../consumer/consumerMetrics'
import { counterValue, createMetricsRegistry } from '../http/metricsRegistry'
import type { IncomingMessage } from 'node:http'

describe('rate limiter', () => {
  it('allows a burst, then refills at the rate', () => {
    let clock = 0
    const limiter = createRateLimiter(() => clock)
    expect(limiter.take('k', 20, 10, 20)).toBe(0)
    expect(limiter.take('k', 5, 10, 20)).toBe(1)
    clock += 500
    expect(limiter.take('k', 5, 10, 20)).toBe(0)
    expect(limiter.take('k', 30, 10, 20)).toBe(2)
    expect(limiter.take('other', 20, 10, 20)).toBe(0)
  })

  it('keeps memory bounded when keys are many', () => {
    let clock = 0
    const limiter = createRateLimiter(() => clock, 3)
    for (let i = 0; i < 100; i++) {
      clock += 1
      expect(limiter.take(`ip${i}`, 1, 1, 1)).toBe(0)
    }
    // Bounded, so an old key starts over with a full bucket.
    expect(limiter.take('ip0', 1, 1, 1)).toBe(0)
  })

  it('goes on refilling after the wall clock steps back, instead of refusing for the whole step', () => {
    let clock = Date.now()
    const limiter = createRateLimiter(() => clock)
    expect(limiter.take('127.0.0.1', 1, 1000, 2000)).toBe(0)
    clock -= 25 * 3600_000 // NTP steps the clock back a day and an hour
    expect(limiter.take('127.0.0.1', 1, 1000, 2000)).toBe(0)
    // The bucket is not refilled by the step either: a burst past it is still refused.
    expect(limiter.take('127.0.0.1', 1998, 1000, 2000)).toBe(0)
    expect(limiter.take('127.0.0.1', 1000, 1000, 2000)).toBe(1)
    clock += 1000
    expect(limiter.take('127.0.0.1', 1000, 1000, 2000)).toBe(0)
  })
})

describe('circuit breaker', () => {
  it('opens after consecutive failures, lets one trial through after the cooldown', () => {
    let clock = 0
    const breaker = createCircuitBreaker({ failures: 2, cooldownMs: 3000, now: () => clock })
    breaker.failure()
    expect(breaker.blockedFor()).toBe(0)
    breaker.failure()
    expect(breaker.isOpen()).toBe(true)
    expect(breaker.blockedFor()).toBe(3)
    clock += 3000
    expect(breaker.blockedFor()).toBe(0)
    expect(breaker.blockedFor()).toBe(1)
    breaker.failure()
    expect(breaker.blockedFor()).toBe(3)
    clock += 3000
    expect(breaker.blockedFor()).toBe(0)
    breaker.success()
    expect(breaker.isOpen()).toBe(false)
    expect(breaker.blockedFor()).toBe(0)
  })
})

describe('load guard', () => {
  it('bounds in-flight events in total and per app', () => {
    const guard = createLoadGuard({
      maxInflightEvents: 10,
      maxEventLoopLagMs: 100,
      eventLoopLag: () => 0,
    })
    const leaveA = guard.enter('a', 5)
    expect(guard.hasRoom('a', 1)).toBe(false)
    expect(guard.hasRoom('b', 5)).toBe(true)
    const leaveB = guard.enter('b', 5)
    expect(guard.hasRoom('c', 1)).toBe(false)
    leaveA()
    leaveA()
    expect(guard.inflight()).toBe(5)
    expect(guard.hasRoom('a', 5)).toBe(true)
    leaveB()
    // A request larger than the bounds passes when nothing else is in flight.
    expect(guard.hasRoom('a', 50)).toBe(true)
    guard.close()
  })

  it('measures sustained event-loop lag, and ignores a single stall', async () => {
    // Bounds far apart, so a busy CI machine does not blur them.
    const guard = createLoadGuard({ maxInflightEvents: 10, maxEventLoopLagMs: 150 })
    const block = (ms: number) => {
      const until = Date.now() + ms
      while (Date.now() < until) {
        // Busy: the event loop cannot run timers.
      }
    }
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0))
    // Let the monitor take a first sample: it measures from one tick to the next.
    await new Promise((resolve) => setTimeout(resolve, 50))
    block(300)
    await new Promise((resolve) => setTimeout(resolve, 800))
    expect(guard.lagging()).toBe(false)
    for (let i = 0; i < 7; i++) {
      block(200)
      await tick()
    }
    expect(guard.lagging()).toBe(true)
    expect(guard.lagMs()).toBeGreaterThan(150)
    guard.close()
  })
})

describe('client IP', () => {
  const req = (remoteAddress: string, forwarded?: string) =>
    ({
      socket: { remoteAddress },
      headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
    }) as unknown as IncomingMessage

  it('uses the socket peer unless proxies are trusted', () => {
    expect(clientIp(req('::ffff:10.0.0.1', '1.1.1.1'))).toBe('10.0.0.1')
    expect(clientIp(req('10.0.0.1', '1.1.1.1, 2.2.2.2'), 1)).toBe('2.2.2.2')
    expect(clientIp(req('10.0.0.1', '1.1.1.1, 2.2.2.2'), 2)).toBe('1.1.1.1')
    expect(clientIp(req('10.0.0.1', '1.1.1.1'), 5)).toBe('1.1.1.1')
    expect(clientIp(req('10.0.0.1'), 1)).toBe('10.0.0.1')
  })
})

describe('metrics (prom-client)', () => {
  it('renders the roles’ metrics by their names, with the process, heap and GC metrics once', async () => {
    const registry = createMetricsRegistry()
    const collector = createCollectorMetrics(
      { inflightEvents: () => 7, eventLoopLagSeconds: () => 0.25, breakerOpen: () => true },
      registry,
    )
    const consumer = createConsumerMetrics(() => 5_000, registry)
    collector.rejected.inc({ reason: 'say "hi"\n' }, 2)
    collector.latency.observe({ route: '/api/v1/track' }, 0.004)
    consumer.setLag({ 'tracking_events:0': 3 })
    consumer.observer.committed()
    consumer.observer.deadLettered(4)
    const text = await registry.metrics()
    expect(text).toContain('trackpoint_collector_events_rejected_total{reason="say \\"hi\\"\\n"} 2')
    expect(text).toContain(
      'trackpoint_collector_request_duration_seconds_bucket{le="0.005",route="/api/v1/track"} 1',
    )
    expect(text).toContain('trackpoint_collector_inflight_events 7')
    expect(text).toContain('trackpoint_collector_event_loop_lag_seconds 0.25')
    expect(text).toContain('trackpoint_collector_bus_breaker_open 1')
    expect(text).toContain('trackpoint_consumer_lag_messages{partition="tracking_events:0"} 3')
    expect(text).toContain('trackpoint_consumer_last_commit_timestamp_seconds 5')
    expect(text).toContain('trackpoint_consumer_rows_dead_lettered_total 4')
    expect(text).toContain('trackpoint_consumer_batches_failed_total 0')
    for (const name of [
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(text.match(new RegExp(`^# TYPE ${name} `, 'gm')), name).toHaveLength(1)
    }
    expect(await counterValue(collector.rejected, { reason: 'say "hi"\n' })).toBe(2)
    expect(await counterValue(collector.rejected, { reason: 'other' })).toBe(0)
  })

  it('keeps one registry per server, so servers in one process do not share counts', async () => {
    const gauges = {
      inflightEvents: () => 0,
      eventLoopLagSeconds: () => 0,
      breakerOpen: () => false,
    }
    const a = createCollectorMetrics(gauges)
    const b = createCollectorMetrics(gauges)
    a.accepted.inc({ app_id: 'x' }, 3)
    expect(await counterValue(a.accepted, { app_id: 'x' })).toBe(3)
    expect(await counterValue(b.accepted, { app_id: 'x' })).toBe(0)
  })
})
