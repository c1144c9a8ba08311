// Shared set-up of the collector tests: a collector on 127.0.0.1 over a recording bus, signed
// bodies, and a valid event to start from.
import { createHash, randomUUID } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { DEFAULT_LIMITS, type AppConfig, type CollectorLimits } from '../config'
import {
  createCollector,
  type Collector,
  type CollectorOptions,
} from '../collector/createCollector'
import { createHttpServer, listenHttp, type ListeningHttp } from '../http/createHttpServer'
import { registerLoadShedding, type PressureLimits } from '../http/loadShedding'
import type { IpMode } from '../http/minimiseIp'
import type { AcceptedEvent, EventBus } from '../types'

export const APPS: AppConfig[] = [
  {
    app_id: 'app_a',
    // Two secrets: a rotation in progress.
    secrets: ['secret_a_old', 'secret_a_new'],
    allowed_origins: ['https://a.example'],
  },
  { app_id: 'app_b', secrets: ['secret_b'], allowed_origins: ['*'] },
  { app_id: 'app_ip', secrets: ['secret_ip'], allowed_origins: ['*'], allowed_ips: ['10.0.0.0/8'] },
  {
    app_id: 'app_local',
    secrets: ['secret_local'],
    allowed_origins: ['*'],
    allowed_ips: ['127.0.0.1', '::1'],
  },
]

export const SECRETS: Record<string, string> = {
  app_a: 'secret_a_new',
  app_b: 'secret_b',
  app_ip: 'secret_ip',
  app_local: 'secret_local',
}

/** A bus that records what it acknowledged; `mode` makes it fail or hold publishes. */
export interface RecordingBus extends EventBus {
  batches: AcceptedEvent[][]
  events(): AcceptedEvent[]
  mode: 'ok' | 'reject' | 'hold'
  /** Settles every held publish (acknowledging it). */
  release(): void
}

export function createRecordingBus(): RecordingBus {
  const held: (() => void)[] = []
  const bus: RecordingBus = {
    batches: [],
    events: () => bus.batches.flat(),
    mode: 'ok',
    release: () => held.splice(0).forEach((settle) => settle()),
    publish(events) {
      if (bus.mode === 'reject') return Promise.reject(new Error('broker unreachable'))
      if (bus.mode === 'hold') {
        return new Promise((resolve) =>
          held.push(() => {
            bus.batches.push(events)
            resolve()
          }),
        )
      }
      bus.batches.push(events)
      return Promise.resolve()
    },
    connected: () => bus.mode !== 'reject',
    close: () => Promise.resolve(),
  }
  return bus
}

export const md5 = (text: string) => createHash('md5').update(text).digest('hex')

/** A valid `page_view` event of the built-in plan. */
export function validEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    event_name: 'page_view',
    user_id: 'u_1',
    timestamp: Date.now(),
    platform: 'web',
    page: '/onchain/landing',
    session_id: 'sess_1',
    properties: { page_name: 'onchain_landing' },
    ...overrides,
  }
}

/** A body of §五 signed for `appId` at `timestamp`. */
export function signedBody(
  appId: string,
  events: unknown[],
  { timestamp = Date.now(), secret = SECRETS[appId] ?? 'x' } = {},
): Record<string, unknown> {
  return {
    app_id: appId,
    timestamp,
    sign: md5(appId + timestamp + secret),
    sdk_version: '0.1.0',
    app_version: '2.3.1',
    events,
  }
}

export interface Harness {
  url: string
  server: ListeningHttp
  bus: RecordingBus
  collector: Collector
  logs: Record<string, unknown>[]
  errors: Record<string, unknown>[]
  /** POSTs `body` (JSON-serialised unless a string or Buffer) to `path`. */
  post(
    path: string,
    body: unknown,
    options?: { headers?: Record<string, string>; gzip?: boolean },
  ): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }>
  close(): Promise<void>
}

/** Starts a collector for `APPS` on 127.0.0.1 with a recording bus and captured logs. */
export async function startHarness(
  options: Partial<Omit<CollectorOptions, 'config'>> & {
    limits?: Partial<CollectorLimits>
    trustProxy?: number
    ipMode?: IpMode
    apps?: AppConfig[]
    /** Registers @fastify/under-pressure with these limits, as startServer does. */
    pressure?: PressureLimits
  } = {},
): Promise<Harness> {
  const bus = createRecordingBus()
  const logs: Record<string, unknown>[] = []
  const errors: Record<string, unknown>[] = []
  const collector = createCollector({
    bus,
    storeConnected: () => Promise.resolve(true),
    eventLoopLag: () => 0,
    logger: { info: (entry) => logs.push(entry), error: (entry) => errors.push(entry) },
    ...options,
    config: {
      apps: options.apps ?? APPS,
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      trustProxy: options.trustProxy ?? 0,
      ...(options.ipMode && { ipMode: options.ipMode }),
    },
  })
  const app = createHttpServer({ logger: { info: () => undefined, error: (e) => errors.push(e) } })
  if (options.pressure) await registerLoadShedding(app, options.pressure)
  await app.register(collector.routes)
  const server = await listenHttp(app)
  return {
    url: server.url,
    server,
    bus,
    collector,
    logs,
    errors,
    async post(path, body, { headers = {}, gzip = false } = {}) {
      let payload: string | Buffer =
        typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)
      const sent: Record<string, string> = { 'Content-Type': 'application/json', ...headers }
      if (gzip) {
        payload = gzipSync(payload)
        sent['Content-Encoding'] = 'gzip'
      }
      const response = await fetch(server.url + path, {
        method: 'POST',
        headers: sent,
        body: typeof payload === 'string' ? payload : new Uint8Array(payload),
      })
      const text = await response.text()
      let json: Record<string, unknown> = {}
      try {
        json = JSON.parse(text) as Record<string, unknown>
      } catch {
        json = { text }
      }
      return { status: response.status, headers: response.headers, json }
    },
    async close() {
      collector.close()
      await server.close()
    },
  }
}
