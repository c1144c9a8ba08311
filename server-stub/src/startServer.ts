import { randomUUID } from 'node:crypto'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createKafkaBus } from './bus/kafkaBus'
import { createKafkaConsumer, type KafkaConsumer } from './bus/kafkaConsumer'
import {
  createKafkaRefusalSink,
  followRefusalTallies,
  type RefusalFollower,
} from './bus/kafkaRefusalTallies'
import { createMemoryBus } from './bus/memoryBus'
import { createCollector, type Collector } from './collector/createCollector'
import type { Config } from './config'
import { ConfigError } from './config'
import { createConsumerHandler } from './consumer'
import { createConsumerMetrics } from './consumer/consumerMetrics'
import { consumerRoutes, refreshLag } from './consumer/consumerRoutes'
import { dashboardRoutes } from './dashboard/dashboardRoutes'
import { createHttpServer, listenHttp, sendJson, type ListeningHttp } from './http/createHttpServer'
import { defaultPressureLimits, registerLoadShedding } from './http/loadShedding'
import { createJsonLogger, type Logger } from './http/logger'
import { createMetricsRegistry } from './http/metricsRegistry'
import { OPENAPI_PATH, openApiDocument } from './http/openApiDocument'
import { uncountableProblems } from './plan/planPolicy'
import { planRoutes } from './plan/planRoutes'
import type { PlanStore } from './plan/planStore'
import { readConfiguredPlan, startPlanStore } from './plan/startPlanStore'
import { createRefusalPublisher, type RefusalPublisher } from './stats/refusalTallies'
import { createRejectionLog, localRefusals, type RejectionLog } from './stats/rejectionLog'
import { storedRefusals, storeRefusalTallies } from './stats/storedRefusals'
import { statsRoutes } from './stats/statsRoutes'
import type { ConsumerLag } from './stats/trackingHealth'
import { scheduleWarmUp, warmDashboard } from './stats/warmUp'
import { createChdbStore, createHttpStore } from './store'
import type { EventBus, EventStore } from './types'
import { applyRetention } from './store/applyRetention'

export { OPENAPI_PATH, openApiDocument }

/** The roles one process can run (`--roles`). */
export const ROLES = ['collector', 'consumer', 'stats'] as const
/** A role of the server. */
export type Role = (typeof ROLES)[number]

/** Options of {@link startServer}. */
export interface StartServerOptions {
  config: Config
  /** @default every role */
  roles?: readonly Role[]
  /** @default JSON lines on stdout */
  logger?: Logger
  /** Kafka consumer group of the consumer role. @default 'trackpoint-consumer' */
  consumerGroup?: string
  /** Where a consumer group without committed offsets starts. @default 'earliest' */
  consumerStartAt?: 'earliest' | 'latest'
  /** The dashboard the stats role serves at `/dashboard/`. */
  dashboard?: DashboardOptions
  /**
   * With Kafka, how often the collector publishes its refusal tallies (and the consumer stores
   * what it read of them).
   * @default 5000
   */
  refusalPublishMs?: number
}

/** Options of the dashboard served by the stats role. */
export interface DashboardOptions {
  /** The dashboard's build. @default the repository's dashboard/dist */
  dir?: string
  /**
   * Whether the dashboard tracks its own use (page views of its views) as the development app
   * to this server's collector; only ever with the development app (its secret is public) and
   * the collector role in this process.
   * @default true
   */
  trackUse?: boolean
}

/**
 * The dashboard's build beside this package in the repository: `server-stub/dist/index.mjs` and
 * `server-stub/src/startServer.ts` are both two folders below the root. Bundled to CommonJS
 * (the CLI tests' esbuild build), `import.meta.url` is absent: then `dashboard/dist` of the
 * working directory.
 */
export function defaultDashboardDir(): string {
  const here: string | undefined = import.meta.url
  return here ? fileURLToPath(new URL('../../dashboard/dist', here)) : resolve('dashboard', 'dist')
}

/** A running server. */
export interface RunningServer {
  /** The HTTP base URL, when a role with HTTP routes (collector, stats) runs. */
  url: string | undefined
  /** Which backends were chosen. */
  backends: { bus: 'embedded' | 'kafka'; store: 'embedded' | 'clickhouse' }
  /** The admin token the stats API expects (generated for the development app). */
  adminToken: string | undefined
  /** The store, when a role of this process uses it (not a collector-only process). */
  store: EventStore | undefined
  /**
   * The tracking plan this process follows, when a role of it uses one (collector, stats): a
   * file of the data dir, or the plan topic with Kafka.
   */
  plan: PlanStore | undefined
  /**
   * Drains and stops: health turns 503 `draining`, new connections are refused, requests in
   * flight are answered (cut after `graceMs`), the bus is flushed, the consumer commits, then
   * the store closes.
   * @default graceMs 10000
   */
  close(graceMs?: number): Promise<void>
}

/** The admin token of the development setup; only used when `TRACKPOINT_APPS` is unset too. */
export const DEV_ADMIN_TOKEN = 'dev_admin_token'

/**
 * The one place where the roles meet their backends. Roles depend on the interfaces of
 * types.ts; here the embedded ones (in-process bus, chdb) or the scaled ones (Kafka,
 * ClickHouse over HTTP) are chosen from the configuration and wired together.
 *
 * Embedded, the bus hands each batch straight to the consumer handler and the collector
 * answers 2xx only once the store has it, so the consumer role is part of the collector.
 * With Kafka, the collector publishes and a separate consumer group stores.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options
  const roles = new Set(options.roles ?? ROLES)
  const logger = options.logger ?? createJsonLogger()
  const kafka = config.kafkaBrokers

  if (!kafka && roles.has('collector') !== roles.has('consumer')) {
    throw new ConfigError(
      'Without KAFKA_BROKERS the collector stores events itself: run the roles collector and consumer together, or set KAFKA_BROKERS',
    )
  }
  const adminToken = config.adminToken ?? (config.devApp ? DEV_ADMIN_TOKEN : undefined)
  if (roles.has('stats') && !adminToken) {
    throw new ConfigError(
      'The stats role needs TRACKPOINT_ADMIN_TOKEN, e.g. TRACKPOINT_ADMIN_TOKEN=$(openssl rand -hex 24)',
    )
  }

  // Checked by every role, before anything connects: a plan with errors stops the start.
  const planFile = await readConfiguredPlan(config)

  // Only the roles that use the store open it and migrate it: a collector with Kafka never
  // touches ClickHouse, so it starts and takes events while ClickHouse is down (Kafka is the
  // buffer). Embedded, the collector's bus is the store, so it needs it.
  const usesStore = roles.has('consumer') || roles.has('stats') || !kafka
  const store = !usesStore
    ? undefined
    : config.clickhouseUrl
      ? createHttpStore(
          config.clickhouseUrl,
          {},
          config.clickhouseCluster ? { cluster: { cluster: config.clickhouseCluster } } : {},
        )
      : createChdbStore(join(config.dataDir, 'clickhouse'))
  // A migration that rewrites stored events (v9 on a store from before it) can take minutes,
  // during which the process does not listen: say so every 5 s, with the parts left.
  let progressLoggedAt = 0
  await store?.migrate({
    onProgress: (partsToDo) => {
      if (Date.now() - progressLoggedAt < 5_000) return
      progressLoggedAt = Date.now()
      logger.info({
        msg: 'migrating: waiting for ClickHouse to rewrite stored events; not listening yet',
        parts_to_do: partsToDo,
      })
    },
  })
  if (store && config.limits.retentionDays) await applyRetention(store, config.limits.retentionDays)

  let draining = false
  // One registry for the process's roles, with the process, heap and GC metrics once.
  const registry = createMetricsRegistry()
  // The collector judges events by the plan and the stats role serves and installs it; a
  // consumer needs none (it refuses only what no plan could count).
  const plan =
    roles.has('collector') || roles.has('stats')
      ? await startPlanStore({ config, file: planFile, logger, registry })
      : undefined
  const consumerMetrics = createConsumerMetrics(Date.now, registry)
  const handler = store
    ? createConsumerHandler(store, {
        timeLimits: config.limits,
        onInsert: (seconds) => consumerMetrics.insertSeconds.observe(seconds),
        onInvalid: (event, errors) =>
          logger.error({
            msg: 'invalid event not stored',
            event,
            errors: errors.map((e) => e.message),
          }),
      })
    : undefined

  let bus: EventBus | undefined
  let consumer: KafkaConsumer | undefined
  let refusalFollower: RefusalFollower | undefined
  if (kafka) {
    if (roles.has('collector')) bus = createKafkaBus({ brokers: kafka, logger })
    if (roles.has('consumer') && handler) {
      consumer = createKafkaConsumer({
        brokers: kafka,
        groupId: options.consumerGroup ?? 'trackpoint-consumer',
        // Events that could not be counted go to the dead-letter topic with the reason; events
        // the plan does not cover were judged by the collector, under its policy.
        validate: (value) => {
          const errors = uncountableProblems(value)
          return errors.length ? errors.map((error) => error.message).join('; ') : undefined
        },
        handler,
        logger,
        startAt: options.consumerStartAt,
        batchWaitMs: config.consumerBatchWaitMs,
        observer: consumerMetrics.observer,
      })
      // The collectors' refusal tallies, stored for the stats role (docs/decisions.md).
      const tallyStore = store
      if (tallyStore) {
        refusalFollower = followRefusalTallies({
          brokers: kafka,
          topic: config.refusalTopic,
          store: (tallies) => storeRefusalTallies(tallyStore, tallies),
          logger,
          flushMs: Math.min(options.refusalPublishMs ?? 1000, 1000),
        })
      }
      // Serve once the consumer fetches, so that what is accepted next is consumed; a broker
      // that is away at start must not keep the HTTP roles down, hence the bound.
      await Promise.race([
        consumer.ready(),
        new Promise((resolve) => setTimeout(resolve, 30_000).unref()),
      ])
    }
  } else if (roles.has('collector') && handler) {
    bus = createMemoryBus(handler)
  }

  const consumerOptions =
    consumer && store
      ? {
          metrics: consumerMetrics,
          lag: () => consumer.lag(),
          storeConnected: () => store.connected(),
          draining: () => draining,
          serveMetrics: !bus,
        }
      : undefined
  const collector: Collector | undefined = bus
    ? createCollector({
        config,
        bus,
        ...(store && { storeConnected: () => store.connected() }),
        storeRequired: !kafka,
        draining: () => draining,
        registry,
        ...(consumerOptions && { beforeScrape: () => refreshLag(consumerOptions) }),
        logger,
        ...(plan && { plan: () => plan.current() }),
        // While a process has not read the plan topic yet (a broker away at start), its plan
        // may lag the deployment's: refusing what the real plan covers would lose events the
        // SDK drops on 400, so `reject` stores them flagged until the plan is known.
        unplanned: () => {
          const policy = config.unplanned ?? 'flag'
          return policy === 'reject' && plan && !plan.known() ? 'flag' : policy
        },
      })
    : undefined
  // Refused events reach no bus and no store: the collector's own counter, sampled per minute,
  // is read by this process's stats role (embedded) or published as tallies (with Kafka).
  const rejectionLog: RejectionLog | undefined =
    collector && (kafka || roles.has('stats'))
      ? createRejectionLog(registry, Math.min(options.refusalPublishMs ?? 5000, 5000))
      : undefined
  const refusalPublisher: RefusalPublisher | undefined =
    kafka && rejectionLog
      ? createRefusalPublisher({
          log: rejectionLog,
          sink: createKafkaRefusalSink({ brokers: kafka, topic: config.refusalTopic, logger }),
          instance: randomUUID(),
          logger,
          intervalMs: options.refusalPublishMs,
        })
      : undefined
  const stats =
    roles.has('stats') && adminToken && store
      ? {
          store,
          adminToken,
          timeZone: config.timeZone,
          plan,
          logger,
          // With Kafka every collector's tallies, as stored; embedded, this process's collector.
          rejections: kafka ? storedRefusals(store) : rejectionLog && localRefusals(rejectionLog),
          consumerLag: async (): Promise<ConsumerLag> => {
            if (!kafka) return { source: 'embedded', total: 0, partitions: {} }
            if (!consumer) return { source: 'unavailable', total: null, partitions: {} }
            const partitions = await consumer.lag().catch(() => ({}))
            const total = Object.values(partitions).reduce((sum, n) => sum + n, 0)
            return { source: 'kafka', total, partitions }
          },
          ...(config.erasureSalt && { erasureSalt: config.erasureSalt }),
          ...(config.limits.retentionDays && { retentionDays: config.limits.retentionDays }),
        }
      : undefined

  // The dashboard's opening answers, at start and after each midnight (stats/warmUp.ts).
  const warmUp = stats
    ? scheduleWarmUp(
        () => warmDashboard(stats.store, stats.timeZone ?? 'UTC'),
        stats.timeZone ?? 'UTC',
        logger,
      )
    : undefined

  let http: ListeningHttp | undefined
  if (collector || stats || consumerOptions) {
    const app = createHttpServer({ logger })
    await registerLoadShedding(app, config.pressure ?? defaultPressureLimits())
    app.get(OPENAPI_PATH, (_request, reply) => sendJson(reply, 200, openApiDocument()))
    if (stats) await app.register(statsRoutes, stats)
    if (stats) {
      // The dashboard's own use goes to this process's collector, as the configured app, or
      // the development app when that is the one in use.
      const trackingApp = config.dashboardApp ?? (config.devApp ? config.apps[0] : undefined)
      const track = (options.dashboard?.trackUse ?? true) && collector && trackingApp
      if (config.dashboardApp && !collector) {
        logger.info({
          msg: 'TRACKPOINT_DASHBOARD_APP is set but this process has no collector role: the dashboard tracks nothing',
        })
      }
      await app.register(dashboardRoutes, {
        dir: options.dashboard?.dir ?? defaultDashboardDir(),
        ...(track && { trackAs: { appId: trackingApp.app_id, secret: trackingApp.secrets[0]! } }),
      })
    }
    if (stats && plan) {
      await app.register(planRoutes, {
        store: plan,
        adminToken: stats.adminToken,
        unplanned: config.unplanned ?? 'flag',
      })
    }
    if (consumerOptions) await app.register(consumerRoutes, consumerOptions)
    if (collector) await app.register(collector.routes)
    http = await listenHttp(app, { port: config.port, host: config.host })
  }

  let closing: Promise<void> | undefined
  return {
    url: http?.url,
    backends: {
      bus: kafka ? 'kafka' : 'embedded',
      store: config.clickhouseUrl ? 'clickhouse' : 'embedded',
    },
    adminToken,
    store,
    plan,
    close(graceMs = 10_000) {
      // Idempotent: a second call gets the first call's promise.
      closing ??= (async () => {
        // Health answers 503 `draining` from now on, for the requests still coming in on open
        // connections; the listening socket closes, so new connections are refused; requests
        // in flight are answered (their publishes finish below or before).
        draining = true
        await http?.close(graceMs)
        collector?.close()
        // The last tallies go out before the bus closes; bounded, so a broker away never holds
        // the stop.
        await refusalPublisher?.close()
        rejectionLog?.stop()
        warmUp?.stop()
        await warmUp?.done()
        // The bus flushes what was accepted; the consumer finishes its batch and commits.
        await bus?.close()
        await consumer?.stop()
        await refusalFollower?.stop()
        await plan?.close()
        await store?.close()
      })()
      return closing
    },
  }
}
