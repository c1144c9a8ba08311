import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { defaultPressureLimits, PRESSURE_VARS, type PressureLimits } from './http/loadShedding'
import { UNPLANNED_POLICIES, type UnplannedPolicy } from './plan/planPolicy'
import { isTimeZone } from './stats/statsRange'
import { isClusterName } from './store/clusterMigrations'
import { IP_MODES, type IpMode } from './http/minimiseIp'

/** An application allowed to send events (one entry of `TRACKPOINT_APPS`). */
export interface AppConfig {
  /** The app's id, sent by the SDK as `app_id`. */
  app_id: string
  /**
   * Secrets that sign valid requests, md5(app_id + timestamp + secret) (§五.5). List the new
   * secret beside the old one while clients move over, then drop the old one (rotation).
   * A secret also works as `Authorization: Bearer <secret>` for server-side senders.
   */
  secrets: string[]
  /**
   * Page origins allowed to send for this app, e.g. `https://onchain.example.com`; `*` allows
   * any. Requests without an `Origin` header (servers, curl) are not checked against it.
   */
  allowed_origins: string[]
  /** When set, only these client IPs or CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`) may send. */
  allowed_ips?: string[]
  /**
   * Events per second this app may send, with bursts of twice as many.
   * @default limits.appEventsPerSecond
   */
  events_per_second?: number
}

/** Bounds that keep the collector up under abuse and overload. Every field has an env var. */
export interface CollectorLimits {
  /** Most bytes of a request body on the wire (`TRACKPOINT_MAX_BODY_BYTES`). @default 65536 */
  maxBodyBytes: number
  /** Most bytes of a body after gunzip (`TRACKPOINT_MAX_INFLATED_BYTES`). @default 1048576 */
  maxInflatedBytes: number
  /** Most events in one request, §五.2 (`TRACKPOINT_MAX_EVENTS_PER_REQUEST`). @default 100 */
  maxEventsPerRequest: number
  /** Default events per second per app (`TRACKPOINT_APP_EVENTS_PER_SECOND`). @default 100000 */
  appEventsPerSecond: number
  /** Requests per second per client IP (`TRACKPOINT_IP_REQUESTS_PER_SECOND`). @default 1000 */
  ipRequestsPerSecond: number
  /**
   * Most events handed to the bus and not yet acknowledged, all apps together
   * (`TRACKPOINT_MAX_INFLIGHT_EVENTS`). One app may hold at most half of them.
   * @default 50000
   */
  maxInflightEvents: number
  /** Event-loop lag above which requests get 503 (`TRACKPOINT_MAX_EVENT_LOOP_LAG_MS`). @default 500 */
  maxEventLoopLagMs: number
  /** How long to wait for the bus to acknowledge (`TRACKPOINT_PUBLISH_TIMEOUT_MS`). @default 10000 */
  publishTimeoutMs: number
  /**
   * Most ms an event's time (`timestamp + clock_offset`) may be ahead of the server clock
   * (`TRACKPOINT_MAX_FUTURE_MS`); later events are refused one by one (`timestamp_in_future`).
   * @default 3600000
   */
  maxFutureMs: number
  /**
   * Most days an event's time may be behind the server clock (`TRACKPOINT_MAX_PAST_DAYS`);
   * older events are refused one by one (`timestamp_too_old`). The store keeps 3 months, and
   * that retention is a floor whatever this says: the default leaves it to the retention.
   * @default 92
   */
  maxPastDays: number
  /**
   * How many days the store keeps events (`TRACKPOINT_RETENTION_DAYS`): the TTL of `events` and
   * of the page-view rollup, the oldest event time accepted, and the oldest day the stats count.
   * Unset: the schema's three calendar months (see docs/privacy.md).
   * @default undefined
   */
  retentionDays?: number
}

/** The configuration of every role, read from the environment by {@link loadConfig}. */
export interface Config {
  /** `PORT`. @default 8080 */
  port: number
  /** `HOST`. @default '127.0.0.1' */
  host: string
  /** `TRACKPOINT_APPS`; the development app when unset. */
  apps: AppConfig[]
  /** True when `TRACKPOINT_APPS` is unset and {@link DEV_APP} is in use: say so loudly. */
  devApp: boolean
  /** `TRACKPOINT_ADMIN_TOKEN`: Bearer token of the stats and admin API. */
  adminToken: string | undefined
  /** `TRACKPOINT_DATA_DIR`, absolute. @default './.data' */
  dataDir: string
  /** `KAFKA_BROKERS` (comma-separated `host:port`); unset means the embedded bus. */
  kafkaBrokers: string[] | undefined
  /** `CLICKHOUSE_URL`; unset means the embedded ClickHouse engine (chdb). */
  clickhouseUrl: string | undefined
  /**
   * `TRACKPOINT_CLICKHOUSE_CLUSTER`: the name of a ClickHouse cluster (as in the servers'
   * `remote_servers`) to create the schema on: `ON CLUSTER`, Replicated tables and a Distributed
   * `events` sharded by user (docs/server.md, "A ClickHouse cluster"). Needs `CLICKHOUSE_URL`.
   * @default unset: one server, or the embedded engine
   */
  clickhouseCluster: string | undefined
  /**
   * `TRACKPOINT_TRUST_PROXY`: how many reverse proxies of yours stand in front of the collector;
   * the client IP is then read from `X-Forwarded-For`. 0 ignores that header.
   * @default 0
   */
  trustProxy: number
  /**
   * `TRACKPOINT_TIMEZONE`: the IANA time zone of the stats' days when a request has no `tz`
   * (`Asia/Shanghai` gives operators in Beijing days from 00:00 to 00:00 their time).
   * @default 'UTC'
   */
  timeZone: string
  /** Collector limits. */
  limits: CollectorLimits
  /**
   * `TRACKPOINT_PLAN`: a tracking plan file (JSON, or YAML with the `yaml` package) installed
   * at start when its version is higher than the installed one; absolute.
   * @default none: the plan installed before (data dir or plan topic), else the built-in plan
   */
  planPath?: string | undefined
  /**
   * `TRACKPOINT_UNPLANNED`: what the collector does with events the plan does not cover
   * (`flag`: store and mark them unplanned; `accept`: store them; `reject`: refuse them, 400).
   * @default 'flag'
   */
  unplanned?: UnplannedPolicy
  /** `TRACKPOINT_PLAN_TOPIC`: the Kafka topic of installed plans. @default 'tracking_plan' */
  planTopic?: string
  /**
   * `TRACKPOINT_REFUSAL_TOPIC`: the Kafka topic of the collectors' refusal tallies.
   * @default 'tracking_refusals'
   */
  refusalTopic?: string
  /**
   * `TRACKPOINT_IP_MODE`: how much of the client IP an event keeps, applied in the collector
   * before the event reaches Kafka or ClickHouse: `full`, `truncated` (IPv4 /24, IPv6 /48) or
   * `none` (see docs/privacy.md).
   * @default 'truncated'
   */
  ipMode?: IpMode
  /**
   * `TRACKPOINT_ERASURE_SALT`: the key of the erasure audit's hash of an erased user id. Set it
   * (a long random string, kept secret) so that hashes stay comparable when the admin token
   * changes.
   * @default the admin token
   */
  erasureSalt?: string
  /**
   * `TRACKPOINT_DASHBOARD_APP`: the app (an `app_id` of `TRACKPOINT_APPS`) the dashboard tracks
   * its own use as, through the collector of the same process. Its first secret is written
   * into the dashboard's page, as any web app's secret is shipped in its JavaScript, so give
   * the dashboard an app of its own. Unset: the development app when it is in use, else none.
   */
  dashboardApp?: AppConfig
  /** When every HTTP role sheds load (`@fastify/under-pressure`). @default defaultPressureLimits() */
  pressure?: PressureLimits
  /**
   * `TRACKPOINT_CONSUMER_BATCH_WAIT_MS`: the longest the consumer role lets a batch fill after
   * its first message before one insert (sooner when `batchSize` messages come, or when the
   * topic is quiet for 100 ms). It bounds the delay under steady traffic: shorter means numbers
   * move sooner; longer means fewer, larger inserts for ClickHouse to merge.
   * @default 500
   */
  consumerBatchWaitMs?: number
}

/** The built-in development app, used only when `TRACKPOINT_APPS` is unset. Not for production. */
export const DEV_APP: Readonly<AppConfig> = Object.freeze({
  app_id: 'dev_app',
  secrets: ['dev_secret'],
  allowed_origins: ['*'],
})

/**
 * Default of {@link Config.consumerBatchWaitMs}: with the SDK sending every second, half a
 * second more keeps an event's way to the stats under 2 s at p95 (docs/benchmarks.md), while a
 * busy topic still fills batches of `batchSize` long before it.
 */
export const DEFAULT_CONSUMER_BATCH_WAIT_MS = 500

/** Defaults of {@link CollectorLimits}. */
export const DEFAULT_LIMITS: Readonly<CollectorLimits> = Object.freeze({
  maxBodyBytes: 65_536,
  maxInflatedBytes: 1_048_576,
  maxEventsPerRequest: 100,
  appEventsPerSecond: 100_000,
  ipRequestsPerSecond: 1_000,
  maxInflightEvents: 50_000,
  maxEventLoopLagMs: 500,
  publishTimeoutMs: 10_000,
  maxFutureMs: 3_600_000,
  maxPastDays: 92,
})

/** A configuration value is missing or malformed; the message names the variable and an example. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

const APPS_EXAMPLE = `TRACKPOINT_APPS='[{"app_id":"onchain_app","secrets":["<long random secret>"],"allowed_origins":["https://onchain.example.com"]}]'`

const LIMIT_VARS: Record<Exclude<keyof CollectorLimits, 'retentionDays'>, string> = {
  maxBodyBytes: 'TRACKPOINT_MAX_BODY_BYTES',
  maxInflatedBytes: 'TRACKPOINT_MAX_INFLATED_BYTES',
  maxEventsPerRequest: 'TRACKPOINT_MAX_EVENTS_PER_REQUEST',
  appEventsPerSecond: 'TRACKPOINT_APP_EVENTS_PER_SECOND',
  ipRequestsPerSecond: 'TRACKPOINT_IP_REQUESTS_PER_SECOND',
  maxInflightEvents: 'TRACKPOINT_MAX_INFLIGHT_EVENTS',
  maxEventLoopLagMs: 'TRACKPOINT_MAX_EVENT_LOOP_LAG_MS',
  publishTimeoutMs: 'TRACKPOINT_PUBLISH_TIMEOUT_MS',
  maxFutureMs: 'TRACKPOINT_MAX_FUTURE_MS',
  maxPastDays: 'TRACKPOINT_MAX_PAST_DAYS',
}

type Env = Record<string, string | undefined>

const set = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim()
  return value ? value : undefined
}

/** A whole number in [min, max], or `fallback` when the variable is unset. */
function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = set(env, name)
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(text)}. Example: ${name}=${fallback}`,
    )
  }
  return value
}

const isOrigin = (text: string): boolean => {
  if (text === '*') return true
  try {
    return new URL(text).origin === text
  } catch {
    return false
  }
}

const isIpOrCidr = (text: string): boolean => {
  const [address = '', bits, ...rest] = text.split('/')
  const family = isIP(address)
  if (!family || rest.length) return false
  if (bits === undefined) return true
  const prefix = Number(bits)
  return /^\d+$/.test(bits) && prefix <= (family === 4 ? 32 : 128)
}

const stringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0)

/** Checks one parsed entry of `TRACKPOINT_APPS`; `where` names it in messages. */
function parseApp(value: unknown, where: string): AppConfig {
  const fail = (problem: string): never => {
    throw new ConfigError(`TRACKPOINT_APPS ${where}: ${problem}. Example: ${APPS_EXAMPLE}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('must be an object with app_id, secrets and allowed_origins')
  }
  const app = value as Record<string, unknown>
  const { app_id, secrets, allowed_origins, allowed_ips, events_per_second } = app
  if (typeof app_id !== 'string' || !/^[\w.-]{1,64}$/.test(app_id)) {
    fail('app_id must be 1–64 letters, digits, "_", "-" or "."')
  }
  if (!stringList(secrets) || secrets.length === 0)
    fail('secrets must be a non-empty list of strings')
  if (!stringList(allowed_origins) || allowed_origins.length === 0) {
    fail(
      'allowed_origins must be a non-empty list such as ["https://onchain.example.com"] or ["*"]',
    )
  }
  const badOrigin = (allowed_origins as string[]).find((origin) => !isOrigin(origin))
  if (badOrigin !== undefined) {
    fail(
      `allowed_origins entry ${JSON.stringify(badOrigin)} is not an origin (scheme://host[:port], no path) or "*"`,
    )
  }
  if (allowed_ips !== undefined) {
    if (!stringList(allowed_ips)) fail('allowed_ips must be a list of IPs or CIDR ranges')
    const badIp = (allowed_ips as string[]).find((ip) => !isIpOrCidr(ip))
    if (badIp !== undefined)
      fail(`allowed_ips entry ${JSON.stringify(badIp)} is not an IP or CIDR range`)
  }
  if (
    events_per_second !== undefined &&
    (typeof events_per_second !== 'number' || !(events_per_second > 0))
  ) {
    fail('events_per_second must be a positive number')
  }
  return {
    app_id: app_id as string,
    secrets: secrets as string[],
    allowed_origins: allowed_origins as string[],
    ...(allowed_ips !== undefined && { allowed_ips: allowed_ips as string[] }),
    ...(events_per_second !== undefined && { events_per_second: events_per_second as number }),
  }
}

/** Parses `TRACKPOINT_APPS`, or returns `undefined` when it is unset. */
function parseApps(text: string | undefined): AppConfig[] | undefined {
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(
      `TRACKPOINT_APPS is not valid JSON (${(error as Error).message}). Example: ${APPS_EXAMPLE}`,
    )
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigError(
      `TRACKPOINT_APPS must be a non-empty JSON list of apps. Example: ${APPS_EXAMPLE}`,
    )
  }
  const apps = parsed.map((entry, i) => parseApp(entry, `entry ${i}`))
  const seen = new Set<string>()
  for (const { app_id } of apps) {
    if (seen.has(app_id)) {
      throw new ConfigError(
        `TRACKPOINT_APPS lists app_id "${app_id}" twice; merge its secrets into one entry`,
      )
    }
    seen.add(app_id)
  }
  return apps
}

function parseBrokers(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined
  const brokers = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
  const bad = brokers.find((broker) => !/^[^\s:/]+:\d{1,5}$/.test(broker))
  if (!brokers.length || bad !== undefined) {
    throw new ConfigError(
      `KAFKA_BROKERS must be comma-separated host:port pairs; got ${JSON.stringify(text)}. Example: KAFKA_BROKERS=127.0.0.1:9092`,
    )
  }
  return brokers
}

function parseUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(
      `CLICKHOUSE_URL must be an http(s) URL; got ${JSON.stringify(text)}. Example: CLICKHOUSE_URL=http://default:@127.0.0.1:8123/trackpoint`,
    )
  }
  return text
}

/** `TRACKPOINT_CLICKHOUSE_CLUSTER`: a plain identifier, and only with a ClickHouse server. */
function parseCluster(
  text: string | undefined,
  clickhouseUrl: string | undefined,
  retentionDays: number | undefined,
): string | undefined {
  if (text === undefined) return undefined
  if (!isClusterName(text)) {
    throw new ConfigError(
      `TRACKPOINT_CLICKHOUSE_CLUSTER must be the cluster's name from the servers' remote_servers, a plain identifier; got ${JSON.stringify(text)}. Example: TRACKPOINT_CLICKHOUSE_CLUSTER=trackpoint_cluster`,
    )
  }
  if (clickhouseUrl === undefined) {
    throw new ConfigError(
      'TRACKPOINT_CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL (a server of the cluster); the embedded engine is one process. Example: CLICKHOUSE_URL=http://default:@clickhouse-1:8123/trackpoint',
    )
  }
  // applyRetention alters `events`, which on a cluster is the Distributed table: the TTL
  // belongs on each shard's events_local, ON CLUSTER, which it does not do yet.
  if (retentionDays !== undefined) {
    throw new ConfigError(
      'TRACKPOINT_RETENTION_DAYS is not applied on a cluster yet: unset it with TRACKPOINT_CLICKHOUSE_CLUSTER (the schema keeps 3 months), or set the TTL of events_local and page_views_daily_local ON CLUSTER yourself',
    )
  }
  return text
}

function parseTimeZone(text: string | undefined): string {
  if (text === undefined) return 'UTC'
  if (!isTimeZone(text)) {
    throw new ConfigError(
      `TRACKPOINT_TIMEZONE must be an IANA time zone; got ${JSON.stringify(text)}. Example: TRACKPOINT_TIMEZONE=Asia/Shanghai`,
    )
  }
  return text
}

function parseUnplanned(text: string | undefined): UnplannedPolicy {
  if (text === undefined) return 'flag'
  if (!(UNPLANNED_POLICIES as readonly string[]).includes(text)) {
    throw new ConfigError(
      `TRACKPOINT_UNPLANNED must be one of ${UNPLANNED_POLICIES.join(', ')}; got ${JSON.stringify(text)}. Example: TRACKPOINT_UNPLANNED=flag`,
    )
  }
  return text as UnplannedPolicy
}

function parseTopic(name: string, text: string | undefined, fallback: string): string {
  if (text === undefined) return fallback
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(text)) {
    throw new ConfigError(
      `${name} must be a Kafka topic name (letters, digits, ".", "_", "-"); got ${JSON.stringify(text)}. Example: ${name}=${fallback}`,
    )
  }
  return text
}

/** `TRACKPOINT_IP_MODE`, `truncated` when unset. */
function parseIpMode(text: string | undefined): IpMode {
  if (text === undefined) return 'truncated'
  if (!(IP_MODES as readonly string[]).includes(text)) {
    throw new ConfigError(
      `TRACKPOINT_IP_MODE must be one of ${IP_MODES.join(', ')}; got ${JSON.stringify(text)}. Example: TRACKPOINT_IP_MODE=truncated`,
    )
  }
  return text as IpMode
}

/**
 * Reads the configuration of every role from environment variables, checking each value.
 *
 * @param env - The environment.
 * @default env process.env
 * @throws ConfigError naming the variable and showing an example, for any malformed value.
 */
export function loadConfig(env: Env = process.env): Config {
  const apps = parseApps(set(env, 'TRACKPOINT_APPS'))
  const limits = { ...DEFAULT_LIMITS }
  for (const key of Object.keys(LIMIT_VARS) as (keyof typeof LIMIT_VARS)[]) {
    limits[key] = integer(env, LIMIT_VARS[key], DEFAULT_LIMITS[key], 1, 1e9)
  }
  if (set(env, 'TRACKPOINT_RETENTION_DAYS') !== undefined) {
    limits.retentionDays = integer(env, 'TRACKPOINT_RETENTION_DAYS', 92, 1, 3650)
  }
  const pressure = defaultPressureLimits()
  for (const key of Object.keys(PRESSURE_VARS) as (keyof PressureLimits)[]) {
    pressure[key] = integer(env, PRESSURE_VARS[key], pressure[key], 0, 2 ** 48)
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: set(env, 'HOST') ?? '127.0.0.1',
    apps: apps ?? [{ ...DEV_APP, secrets: [...DEV_APP.secrets], allowed_origins: ['*'] }],
    devApp: apps === undefined,
    adminToken: set(env, 'TRACKPOINT_ADMIN_TOKEN'),
    dataDir: resolve(set(env, 'TRACKPOINT_DATA_DIR') ?? './.data'),
    kafkaBrokers: parseBrokers(set(env, 'KAFKA_BROKERS')),
    clickhouseUrl: parseUrl(set(env, 'CLICKHOUSE_URL')),
    clickhouseCluster: parseCluster(
      set(env, 'TRACKPOINT_CLICKHOUSE_CLUSTER'),
      set(env, 'CLICKHOUSE_URL'),
      limits.retentionDays,
    ),
    trustProxy: integer(env, 'TRACKPOINT_TRUST_PROXY', 0, 0, 10),
    timeZone: parseTimeZone(set(env, 'TRACKPOINT_TIMEZONE')),
    limits,
    pressure,
    planPath: set(env, 'TRACKPOINT_PLAN') && resolve(set(env, 'TRACKPOINT_PLAN')!),
    unplanned: parseUnplanned(set(env, 'TRACKPOINT_UNPLANNED')),
    planTopic: parseTopic(
      'TRACKPOINT_PLAN_TOPIC',
      set(env, 'TRACKPOINT_PLAN_TOPIC'),
      'tracking_plan',
    ),
    refusalTopic: parseTopic(
      'TRACKPOINT_REFUSAL_TOPIC',
      set(env, 'TRACKPOINT_REFUSAL_TOPIC'),
      'tracking_refusals',
    ),
    consumerBatchWaitMs: integer(
      env,
      'TRACKPOINT_CONSUMER_BATCH_WAIT_MS',
      DEFAULT_CONSUMER_BATCH_WAIT_MS,
      0,
      60_000,
    ),
    ipMode: parseIpMode(set(env, 'TRACKPOINT_IP_MODE')),
    erasureSalt: set(env, 'TRACKPOINT_ERASURE_SALT'),
    dashboardApp: parseDashboardApp(set(env, 'TRACKPOINT_DASHBOARD_APP'), apps),
  }
}

/** `TRACKPOINT_DASHBOARD_APP`: one of the configured apps, by id. */
function parseDashboardApp(
  text: string | undefined,
  apps: AppConfig[] | undefined,
): AppConfig | undefined {
  if (text === undefined) return undefined
  const app = apps?.find((candidate) => candidate.app_id === text)
  if (!app) {
    throw new ConfigError(
      `TRACKPOINT_DASHBOARD_APP must be the app_id of an app in TRACKPOINT_APPS; got ${JSON.stringify(text)}${apps ? ` (apps: ${apps.map((a) => a.app_id).join(', ')})` : ', and TRACKPOINT_APPS is unset'}. Example: TRACKPOINT_DASHBOARD_APP=trackpoint_dashboard`,
    )
  }
  return app
}
