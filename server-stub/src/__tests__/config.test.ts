import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_LIMITS, loadConfig } from '../config'

const app = { app_id: 'onchain_app', secrets: ['s1', 's2'], allowed_origins: ['https://a.example'] }
const withApps = (apps: unknown, extra: Record<string, string> = {}) => ({
  TRACKPOINT_APPS: JSON.stringify(apps),
  ...extra,
})

describe('loadConfig', () => {
  it('reads the Kafka topics of plans and refusal tallies, and refuses a name Kafka would not take', () => {
    expect(loadConfig({})).toMatchObject({
      planTopic: 'tracking_plan',
      refusalTopic: 'tracking_refusals',
    })
    expect(loadConfig({ TRACKPOINT_REFUSAL_TOPIC: 'refusals.eu' }).refusalTopic).toBe('refusals.eu')
    expect(() => loadConfig({ TRACKPOINT_REFUSAL_TOPIC: 'a b' })).toThrow(
      /TRACKPOINT_REFUSAL_TOPIC must be a Kafka topic name.*TRACKPOINT_REFUSAL_TOPIC=tracking_refusals/,
    )
    expect(() => loadConfig({ TRACKPOINT_PLAN_TOPIC: 'a/b' })).toThrow(/TRACKPOINT_PLAN_TOPIC must/)
  })

  it('reads TRACKPOINT_CLICKHOUSE_CLUSTER with CLICKHOUSE_URL, none by default', () => {
    expect(loadConfig({}).clickhouseCluster).toBeUndefined()
    const url = 'http://default:@clickhouse-1:8123/trackpoint'
    expect(loadConfig({ CLICKHOUSE_URL: url }).clickhouseCluster).toBeUndefined()
    expect(
      loadConfig({ CLICKHOUSE_URL: url, TRACKPOINT_CLICKHOUSE_CLUSTER: ' tp_cluster ' })
        .clickhouseCluster,
    ).toBe('tp_cluster')
  })

  it('reads TRACKPOINT_TIMEZONE, UTC by default, and refuses a zone that does not exist', () => {
    expect(loadConfig({}).timeZone).toBe('UTC')
    expect(loadConfig({ TRACKPOINT_TIMEZONE: 'Asia/Shanghai' }).timeZone).toBe('Asia/Shanghai')
    expect(() => loadConfig({ TRACKPOINT_TIMEZONE: 'Beijing' })).toThrow(/TRACKPOINT_TIMEZONE/)
  })

  it('reads TRACKPOINT_CONSUMER_BATCH_WAIT_MS, 500 by default, and refuses what is not 0–60000', () => {
    expect(loadConfig({}).consumerBatchWaitMs).toBe(500)
    expect(loadConfig({ TRACKPOINT_CONSUMER_BATCH_WAIT_MS: '0' }).consumerBatchWaitMs).toBe(0)
    for (const bad of ['-1', '60001', '0.5s']) {
      expect(() => loadConfig({ TRACKPOINT_CONSUMER_BATCH_WAIT_MS: bad })).toThrow(
        /TRACKPOINT_CONSUMER_BATCH_WAIT_MS/,
      )
    }
  })

  it('reads the accepted window of event times', () => {
    const { limits } = loadConfig({
      TRACKPOINT_MAX_FUTURE_MS: '600000',
      TRACKPOINT_MAX_PAST_DAYS: '7',
    })
    expect(limits).toMatchObject({ maxFutureMs: 600_000, maxPastDays: 7 })
    expect(DEFAULT_LIMITS).toMatchObject({ maxFutureMs: 3_600_000, maxPastDays: 92 })
  })

  it('reads TRACKPOINT_DASHBOARD_APP as one of the apps, none by default', () => {
    const dashboard = { ...app, app_id: 'dashboard', secrets: ['d1'] }
    expect(loadConfig(withApps([app])).dashboardApp).toBeUndefined()
    expect(
      loadConfig(withApps([app, dashboard], { TRACKPOINT_DASHBOARD_APP: 'dashboard' }))
        .dashboardApp,
    ).toEqual(dashboard)
  })

  it('falls back to a marked development app and the defaults', () => {
    const config = loadConfig({})
    expect(config.devApp).toBe(true)
    expect(config.apps).toEqual([
      { app_id: 'dev_app', secrets: ['dev_secret'], allowed_origins: ['*'] },
    ])
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      adminToken: undefined,
      kafkaBrokers: undefined,
      clickhouseUrl: undefined,
      trustProxy: 0,
      limits: DEFAULT_LIMITS,
    })
    expect(config.dataDir).toMatch(/\.data$/)
  })

  it('reads every variable', () => {
    const config = loadConfig(
      withApps([{ ...app, allowed_ips: ['10.0.0.0/8', '::1'], events_per_second: 50 }], {
        PORT: '9000',
        HOST: '0.0.0.0',
        TRACKPOINT_ADMIN_TOKEN: 'tok',
        TRACKPOINT_DATA_DIR: '/var/lib/trackpoint',
        KAFKA_BROKERS: '127.0.0.1:9092, kafka-2:9092',
        CLICKHOUSE_URL: 'http://127.0.0.1:8123',
        TRACKPOINT_TRUST_PROXY: '1',
        TRACKPOINT_MAX_BODY_BYTES: '32768',
        TRACKPOINT_APP_EVENTS_PER_SECOND: '500',
      }),
    )
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      devApp: false,
      adminToken: 'tok',
      dataDir: '/var/lib/trackpoint',
      kafkaBrokers: ['127.0.0.1:9092', 'kafka-2:9092'],
      clickhouseUrl: 'http://127.0.0.1:8123',
      trustProxy: 1,
    })
    expect(config.apps[0]).toEqual({
      ...app,
      allowed_ips: ['10.0.0.0/8', '::1'],
      events_per_second: 50,
    })
    expect(config.limits.maxBodyBytes).toBe(32768)
    expect(config.limits.appEventsPerSecond).toBe(500)
  })

  it.each([
    [
      { TRACKPOINT_APPS: '[{oops' },
      /TRACKPOINT_APPS is not valid JSON .*Example: TRACKPOINT_APPS=/,
    ],
    [withApps([]), /TRACKPOINT_APPS must be a non-empty JSON list/],
    [withApps([{ ...app, app_id: '' }]), /TRACKPOINT_APPS entry 0: app_id must be/],
    [withApps([{ ...app, secrets: [] }]), /entry 0: secrets must be a non-empty list/],
    [withApps([{ ...app, allowed_origins: ['a.example'] }]), /"a.example" is not an origin/],
    [withApps([{ ...app, allowed_origins: ['https://a.example/'] }]), /is not an origin/],
    [withApps([{ ...app, allowed_ips: ['10.0.0.0/33'] }]), /"10.0.0.0\/33" is not an IP/],
    [withApps([{ ...app, events_per_second: 0 }]), /events_per_second must be a positive number/],
    [withApps([app, app]), /lists app_id "onchain_app" twice/],
    [
      { PORT: 'eighty' },
      /PORT must be a whole number from 0 to 65535; got "eighty". Example: PORT=8080/,
    ],
    [{ PORT: '70000' }, /PORT must be a whole number/],
    [{ KAFKA_BROKERS: 'localhost' }, /KAFKA_BROKERS must be comma-separated host:port.*Example/],
    [{ CLICKHOUSE_URL: 'ftp://x' }, /CLICKHOUSE_URL must be an http\(s\) URL.*Example/],
    [{ TRACKPOINT_MAX_BODY_BYTES: '-1' }, /TRACKPOINT_MAX_BODY_BYTES must be a whole number/],
    [
      { TRACKPOINT_CLICKHOUSE_CLUSTER: 'tp_cluster' },
      /TRACKPOINT_CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL.*Example: CLICKHOUSE_URL=/,
    ],
    [
      { CLICKHOUSE_URL: 'http://127.0.0.1:8123', TRACKPOINT_CLICKHOUSE_CLUSTER: "tp'; DROP" },
      /TRACKPOINT_CLICKHOUSE_CLUSTER must be .* a plain identifier; got "tp'; DROP". Example: TRACKPOINT_CLICKHOUSE_CLUSTER=trackpoint_cluster/,
    ],
    [
      {
        CLICKHOUSE_URL: 'http://127.0.0.1:8123',
        TRACKPOINT_CLICKHOUSE_CLUSTER: 'tp_cluster',
        TRACKPOINT_RETENTION_DAYS: '30',
      },
      /TRACKPOINT_RETENTION_DAYS is not applied on a cluster yet/,
    ],
    [
      { TRACKPOINT_DASHBOARD_APP: 'dev_app' },
      /TRACKPOINT_DASHBOARD_APP must be the app_id of an app in TRACKPOINT_APPS; got "dev_app", and TRACKPOINT_APPS is unset/,
    ],
    [
      withApps([app], { TRACKPOINT_DASHBOARD_APP: 'dashboard' }),
      /TRACKPOINT_DASHBOARD_APP must be the app_id .* got "dashboard" \(apps: onchain_app\)/,
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })
})
