import underPressure from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import { getHeapStatistics } from 'node:v8'
import { HttpError } from './httpError'

/**
 * When the whole process sheds requests (`@fastify/under-pressure`): 503 + `Retry-After` for
 * every route but health and metrics. 0 turns a check off. Every field has an env var.
 */
export interface PressureLimits {
  /**
   * Mean event-loop delay over a sample (`TRACKPOINT_MAX_EVENT_LOOP_DELAY_MS`). A mean, which a
   * few long stalls (a descheduled process on a busy host, a major GC) push up, so it sits well
   * above the collector's own limit on the median lag (`TRACKPOINT_MAX_EVENT_LOOP_LAG_MS`, 500):
   * that one sheds first; this is the backstop for every route, for a process whose loop is
   * seconds late on average. One synchronous stall of 3 s (bench/server.mjs's JSON.parse
   * ceiling, run in the server's process) made it shed the next second of requests at 1000.
   * @default 3000
   */
  maxEventLoopDelayMs: number
  /**
   * V8 heap in use (`TRACKPOINT_MAX_HEAP_USED_BYTES`): past it, the process is close to an
   * out-of-memory crash, which would lose every request in flight.
   * @default 90% of the V8 heap limit
   */
  maxHeapUsedBytes: number
  /** Resident memory (`TRACKPOINT_MAX_RSS_BYTES`). @default 0 (off) */
  maxRssBytes: number
  /** How often the process is sampled, ms (`TRACKPOINT_PRESSURE_SAMPLE_MS`). @default 1000 */
  sampleIntervalMs: number
  /** `Retry-After` seconds of the 503. @default 2 */
  retryAfterSeconds: number
}

/** The env var of each field of {@link PressureLimits}. */
export const PRESSURE_VARS: Record<keyof PressureLimits, string> = {
  maxEventLoopDelayMs: 'TRACKPOINT_MAX_EVENT_LOOP_DELAY_MS',
  maxHeapUsedBytes: 'TRACKPOINT_MAX_HEAP_USED_BYTES',
  maxRssBytes: 'TRACKPOINT_MAX_RSS_BYTES',
  sampleIntervalMs: 'TRACKPOINT_PRESSURE_SAMPLE_MS',
  retryAfterSeconds: 'TRACKPOINT_PRESSURE_RETRY_AFTER',
}

/** The defaults of {@link PressureLimits} for this process (the heap limit is V8's). */
export function defaultPressureLimits(): PressureLimits {
  return {
    maxEventLoopDelayMs: 3000,
    maxHeapUsedBytes: Math.floor(getHeapStatistics().heap_size_limit * 0.9),
    maxRssBytes: 0,
    sampleIntervalMs: 1000,
    retryAfterSeconds: 2,
  }
}

/**
 * Registers `@fastify/under-pressure` on `app` (for every route registered on it, plugins
 * included): while the process is over a limit, requests get 503 with `Retry-After` and the
 * usual JSON error body, before their body is read. Routes opt out with
 * `config: { pressureHandler: () => undefined }` (health and metrics do).
 */
export async function registerLoadShedding(
  app: FastifyInstance,
  limits: PressureLimits,
): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: limits.maxHeapUsedBytes,
    maxRssBytes: limits.maxRssBytes,
    sampleInterval: limits.sampleIntervalMs,
    // A rejected promise reaches the route's error handler, which writes the JSON body.
    pressureHandler: async (_request, _reply, type) => {
      throw new HttpError(
        503,
        'the server is overloaded; retry later',
        `overloaded_${type}`,
        limits.retryAfterSeconds,
      )
    },
  })
}
