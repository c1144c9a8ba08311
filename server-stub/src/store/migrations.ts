/**
 * The ClickHouse schema as an ordered list of migrations, shared by the embedded (chdb) and the
 * HTTP store so that both run the same SQL. Every statement is idempotent (`IF NOT EXISTS`), so
 * a crash between a statement and its `schema_migrations` row only makes the next start run it
 * again; migrations are append-only: never edit one that has shipped, add the next version.
 */

/** One step of the schema. */
export interface Migration {
  /** Increasing from 1; recorded in `schema_migrations` once every statement ran. */
  version: number
  /** What the step does, for people reading `schema_migrations`. */
  name: string
  /** Statements run in order; each must be idempotent. */
  statements: readonly string[]
}

/** Holds the versions applied so far; created before anything else. */
export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version UInt32,
  name String,
  applied_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree
ORDER BY version`

/**
 * Raw events, one row per event_id (§七, corrected).
 *
 * - ReplacingMergeTree on a key whose every column is a function of the event itself, ending in
 *   event_id: a replayed insert (consumer crash before the Kafka commit, SDK retry) produces a
 *   row with the same key, so it is a duplicate that merges away. Merges are eventual, so the
 *   stats never rely on them: they count with FINAL, uniqExact or a fold that is blind to
 *   duplicates (see stats/queries.ts).
 * - ORDER BY (event_name, delivery_id, action_id, event_date, …): each stats query reads one
 *   event name and one delivery or action, so the primary index skips everything else.
 * - delivery_id / action_id are extracted once at insert (DEFAULT from `properties`) rather than
 *   with JSONExtract per query. action_id falls back to card_id for card_click: an Action card's
 *   id is its Action's id.
 * - A real TTL: rows leave three months after the event's day (§七).
 * - timestamp is DateTime64(3, 'UTC') (inserted as epoch ms); event_date is its UTC day.
 */
export const EVENTS_DDL = `CREATE TABLE IF NOT EXISTS events (
  event_id UUID,
  event_name LowCardinality(String),
  user_id String,
  timestamp DateTime64(3, 'UTC'),
  event_date Date DEFAULT toDate(timestamp),
  app_id LowCardinality(String),
  platform LowCardinality(String),
  page String,
  session_id String,
  properties String CODEC(ZSTD(1)),
  delivery_id String DEFAULT JSONExtractString(properties, 'delivery_id'),
  action_id String DEFAULT if(
    JSONHas(properties, 'action_id') OR event_name != 'card_click',
    JSONExtractString(properties, 'action_id'),
    JSONExtractString(properties, 'card_id')
  ),
  client_ip String,
  received_at DateTime64(3, 'UTC'),
  sdk_version LowCardinality(String),
  app_version LowCardinality(String)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_date)
ORDER BY (event_name, delivery_id, action_id, event_date, user_id, event_id)
TTL event_date + INTERVAL 3 MONTH`

/**
 * Target users per delivery (`PUT /api/admin/deliveries/{id}`). Each PUT inserts a row; with no
 * version column ReplacingMergeTree keeps the last inserted, and readers use FINAL, so the
 * latest PUT wins even before a merge and even when two PUTs share a millisecond.
 */
export const DELIVERIES_DDL = `CREATE TABLE IF NOT EXISTS deliveries (
  delivery_id String,
  target_users UInt64,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY delivery_id`

/**
 * Page views per UTC day and page, for the overview, which otherwise reads every page_view of
 * its range. Both columns are exact distinct-count states — of event_id for views, of user_id
 * for viewers — so a replayed or duplicated insert, which the materialized view sees again,
 * changes neither (a SummingMergeTree of counts would double count it, as the seed's §七 did).
 */
export const PAGE_VIEWS_DAILY_DDL = `CREATE TABLE IF NOT EXISTS page_views_daily (
  event_date Date,
  page String,
  views AggregateFunction(uniqExact, UUID),
  viewers AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(event_date)
ORDER BY (event_date, page)
TTL event_date + INTERVAL 3 MONTH`

const PAGE_VIEWS_DAILY_SELECT = `SELECT event_date, page,
  uniqExactState(event_id) AS views, uniqExactState(user_id) AS viewers
FROM events WHERE event_name = 'page_view'
GROUP BY event_date, page`

/** Feeds page_views_daily from every insert into events. */
export const PAGE_VIEWS_DAILY_MV_DDL = `CREATE MATERIALIZED VIEW IF NOT EXISTS page_views_daily_mv
TO page_views_daily AS ${PAGE_VIEWS_DAILY_SELECT}`

/**
 * Fills page_views_daily from the events stored before the view existed. Running it twice (a
 * crash before the migration is recorded) merges equal states: no number changes.
 */
export const PAGE_VIEWS_DAILY_BACKFILL = `INSERT INTO page_views_daily ${PAGE_VIEWS_DAILY_SELECT}`

/**
 * A counter beside the states of page_views_daily: how many page_view rows each insert brought
 * to a (day, page), replays included. Sums survive merges, and an insert can only raise them,
 * so the sum over a range of days changes whenever a range's numbers may have changed (a late
 * or replayed event) and never otherwise (a merge) — the fingerprint that tells a stored
 * overview snapshot (below) whether it still holds. Rows from before v3 count 0: the baseline.
 */
export const PAGE_VIEWS_DAILY_COUNTER_DDL = `ALTER TABLE page_views_daily
ADD COLUMN IF NOT EXISTS inserted_rows SimpleAggregateFunction(sum, UInt64) DEFAULT 0`

/**
 * v2's view plus the counter. It is created before v2's view is dropped, so every insert
 * reaches the rollup through at least one of them; one that reaches it through both adds the
 * same states twice, which changes no exact distinct count.
 */
export const PAGE_VIEWS_COUNTED_MV_DDL = `CREATE MATERIALIZED VIEW IF NOT EXISTS page_views_counted_mv
TO page_views_daily AS SELECT event_date, page,
  uniqExactState(event_id) AS views, uniqExactState(user_id) AS viewers, count() AS inserted_rows
FROM events WHERE event_name = 'page_view'
GROUP BY event_date, page`

/** v2's view, replaced by {@link PAGE_VIEWS_COUNTED_MV_DDL}. */
export const DROP_PAGE_VIEWS_DAILY_MV = `DROP VIEW IF EXISTS page_views_daily_mv`

/**
 * The overview of a range of closed days (see stats/overviewSnapshot.ts), stored by the stats
 * role the first time a range is asked for and reused after: one `total` row, a row per `day`,
 * per `page` and per `cell` (day and page). `inserted` is the sum of page_views_daily's
 * inserted_rows behind each row when it was built — the fingerprint that tells which days
 * changed since. `viewers` holds the exact state of the total and of the most viewed pages
 * (`has_viewers`), so that the states of live and changed days can be merged with it. A build
 * is written by one INSERT and never updated; a newer one supersedes it and the TTL removes it.
 */
export const OVERVIEW_SNAPSHOTS_DDL = `CREATE TABLE IF NOT EXISTS overview_snapshots (
  from_date Date,
  to_date Date,
  top_pages UInt32,
  build_id UUID,
  build_rows UInt64,
  kind Enum8('total' = 1, 'day' = 2, 'page' = 3, 'cell' = 4),
  day Date,
  page String,
  pv UInt64,
  uv UInt64,
  inserted UInt64,
  has_viewers UInt8,
  viewers AggregateFunction(uniqExact, String),
  built_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
ORDER BY (from_date, to_date, top_pages, build_id, kind, day, page)
TTL toDateTime(built_at) + INTERVAL 1 DAY`

/**
 * The SDK's measured clock error (server minus device, ms) beside the corrected `timestamp`:
 * the device's own reading is `timestamp - clock_offset`. Kept to audit the correction (how
 * far off devices are, whether a bad measurement moved events), at next to no cost: it is 0
 * for almost every row. Older rows read 0.
 */
export const EVENTS_CLOCK_OFFSET_DDL = `ALTER TABLE events
ADD COLUMN IF NOT EXISTS clock_offset Int64 DEFAULT 0`

/**
 * The tracking plan each event was validated against (issue 16): its version (0 = the built-in
 * plan, and every row stored before plan files) and, for an event the plan did not cover, the
 * reasons (`code:field`); an empty array for a planned event. LowCardinality: a few codes and
 * field names repeat across millions of rows. The tracking-health view groups by them.
 */
export const EVENTS_PLAN_DDL = `ALTER TABLE events
ADD COLUMN IF NOT EXISTS plan_version UInt32 DEFAULT 0,
ADD COLUMN IF NOT EXISTS unplanned Array(LowCardinality(String)) DEFAULT []`

/**
 * The device's anonymous id beside `user_id` (issue 14): equal to it before login, different
 * after `identify()`, when the event links the two. Older clients omit it: ''.
 */
export const EVENTS_ANONYMOUS_ID_DDL = `ALTER TABLE events
ADD COLUMN IF NOT EXISTS anonymous_id String DEFAULT ''`

/**
 * Which user each anonymous id was first linked to: one row per anonymous id and insert,
 * holding the least (timestamp, user_id) of the insert's events whose anonymous_id differs from
 * their user_id. `min` is idempotent and order-blind, so replays, late events and merges never
 * change the answer, and the first link stays first whatever arrives later (a shared device
 * whose next user logs in without `reset()` does not move the first user's anonymous past).
 * Small: one row per anonymous id that ever logged in, after merges.
 */
export const IDENTITY_LINKS_DDL = `CREATE TABLE IF NOT EXISTS identity_links (
  anonymous_id String,
  first_link SimpleAggregateFunction(min, Tuple(DateTime64(3, 'UTC'), String))
) ENGINE = AggregatingMergeTree
ORDER BY anonymous_id`

/** Feeds identity_links from every insert into events. */
export const IDENTITY_LINKS_MV_DDL = `CREATE MATERIALIZED VIEW IF NOT EXISTS identity_links_mv
TO identity_links AS SELECT anonymous_id, min((timestamp, user_id)) AS first_link
FROM events WHERE anonymous_id != '' AND anonymous_id != user_id
GROUP BY anonymous_id`

/**
 * Who erased whom (`DELETE /api/admin/users/{id}`): never the id in clear, only its salted
 * SHA-256 (the salt is per deployment, in the data dir), so the table proves that a request
 * was honoured without keeping the person it was about.
 */
export const ERASURES_DDL = `CREATE TABLE IF NOT EXISTS erasures (
  erasure_id UUID,
  subject_hash String,
  requested_by String,
  erased_at DateTime64(3, 'UTC') DEFAULT now64(3),
  anonymous_ids UInt32,
  rows_removed UInt64
) ENGINE = MergeTree
ORDER BY (erased_at, erasure_id)`

/**
 * Partner tokens (B-side, issue 12): each scoped to a set of delivery ids. Only the token's
 * sha256 is stored; the token itself is shown once when issued. Issuing inserts a row and
 * revoking inserts it again with `revoked_at` set and a later `updated_at`, so
 * ReplacingMergeTree(updated_at) read with FINAL gives each token's latest state.
 */
export const PARTNER_TOKENS_DDL = `CREATE TABLE IF NOT EXISTS partner_tokens (
  id String,
  name String,
  token_sha256 String,
  delivery_ids Array(String),
  created_at DateTime64(3, 'UTC'),
  revoked_at Nullable(DateTime64(3, 'UTC')),
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id`

/**
 * Refusal tallies of the collectors (docs/decisions.md, "Refusals of a scaled deployment"):
 * each collector process publishes, per minute and reason, how many events it refused so far in
 * that minute, under an instance id of its own; the consumer inserts every tally it reads.
 *
 * - AggregatingMergeTree on (minute, instance, reason) with the max of the cumulative count: a
 *   tally published twice, replayed or overtaken by a later one of the same minute changes
 *   nothing, so the tallies need no dedup and no ordering. Read as the sum over instances of
 *   the max per instance (merges are eventual; the query folds like a merge would).
 * - A TTL of three hours: the health view shows one.
 */
export const COLLECTOR_REFUSALS_DDL = `CREATE TABLE IF NOT EXISTS collector_refusals (
  minute DateTime('UTC'),
  instance String,
  reason LowCardinality(String),
  refused SimpleAggregateFunction(max, UInt64)
) ENGINE = AggregatingMergeTree
ORDER BY (minute, instance, reason)
TTL minute + INTERVAL 3 HOUR`

/**
 * When each event row became visible in the store (issue 12 leftover): the live view pages by
 * it, because an event received at t can be stored much later (consumer lag, a retry after a
 * store outage) and a cursor of receive times would skip it. In two steps, because ClickHouse
 * computes the DEFAULT of a column that a part lacks at every read: added with `DEFAULT now64(6)`
 * directly, every row stored before would read "now", a new time at each query, and the live view
 * would show old events as just stored on every poll. So v9 adds the column defaulting to
 * `received_at` and writes it into every existing part (older rows keep their receive time, the
 * nearest time they have, and a fixed one), and v10 then makes new rows take ClickHouse's clock
 * at insert. Rerunning v9 rewrites the same values; rerunning
 * v10 changes nothing.
 */
export const EVENTS_STORED_AT_DDL = `ALTER TABLE events
ADD COLUMN IF NOT EXISTS stored_at DateTime64(6, 'UTC') DEFAULT toDateTime64(received_at, 6)`

/**
 * Writes v9's stored_at into the parts stored before it: a mutation the migration waits for,
 * queued and then polled by applyMigrations (store/waitedMutation.ts), not held in one request.
 */
export const EVENTS_STORED_AT_BACKFILL = `ALTER TABLE events
MATERIALIZE COLUMN stored_at SETTINGS mutations_sync = 2`

/** New rows: the time of their insert (v10). */
export const EVENTS_STORED_AT_INSERT_TIME_DDL = `ALTER TABLE events
MODIFY COLUMN stored_at DateTime64(6, 'UTC') DEFAULT now64(6)`

/**
 * The smallest and largest `received_at` and `stored_at` of every granule (8,192 rows). The
 * table is ordered by event name, delivery and Action, so a question about the last hour or day
 * of arrivals (tracking health, the live view) found no help in the key and read the whole
 * column. Rows arrive in time order, so the parts written in the last day hold the recent
 * values and older parts can be skipped whole; two numbers per granule cost next to nothing.
 */
export const EVENTS_ARRIVAL_INDEXES_DDL = `ALTER TABLE events
ADD INDEX IF NOT EXISTS received_at_minmax received_at TYPE minmax GRANULARITY 1,
ADD INDEX IF NOT EXISTS stored_at_minmax stored_at TYPE minmax GRANULARITY 1`

/** Builds the two indexes for the parts stored before them (a mutation, in the background). */
export const EVENTS_ARRIVAL_INDEXES_BUILD = `ALTER TABLE events
MATERIALIZE INDEX received_at_minmax, MATERIALIZE INDEX stored_at_minmax`

/**
 * How the three tables of kept paths builds are stored, ordered by `orderBy`: hourly
 * partitions that the TTL drops whole.
 */
const pathCacheStorage = (orderBy: string) => `PARTITION BY toStartOfHour(built_at)
ORDER BY (${orderBy})
TTL toDateTime(built_at) + INTERVAL 6 HOUR
SETTINGS ttl_only_drop_parts = 1`

/**
 * Kept work of `GET /api/stats/paths` (stats/pathBuilds.ts), written by the stats role and read
 * back by build id. A build is of one range, zone and filters: `path_sessions` holds each
 * session's pages (views up to the build's cutoff, an hour before it began) and a fingerprint of
 * its views stored shortly before the build (`seen`, see pathBuilds.ts), `path_counts` the
 * paths of those sessions for every anchor page at once, per direction and depth, and
 * `path_builds` one row per part once it is stored whole. Caches only: hourly partitions that
 * the TTL drops whole after 6 hours (a build is used for 5 at most), and an erasure empties them.
 */
export const PATH_BUILDS_DDL = `CREATE TABLE IF NOT EXISTS path_builds (
  build_id UUID,
  from_date Date,
  to_date Date,
  tz String,
  app_id String,
  platform String,
  cutoff DateTime64(3, 'UTC'),
  started_at DateTime64(6, 'UTC'),
  since DateTime64(6, 'UTC'),
  seen UInt64,
  part String,
  built_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
${pathCacheStorage('from_date, to_date, tz, app_id, platform, build_id, part')}`

/** See {@link PATH_BUILDS_DDL}. */
export const PATH_SESSIONS_DDL = `CREATE TABLE IF NOT EXISTS path_sessions (
  build_id UUID,
  session_id String,
  pages Array(String),
  seen UInt64,
  built_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
${pathCacheStorage('build_id, session_id')}`

/** See {@link PATH_BUILDS_DDL}. */
export const PATH_COUNTS_DDL = `CREATE TABLE IF NOT EXISTS path_counts (
  build_id UUID,
  direction Enum8('from' = 1, 'to' = 2),
  depth UInt8,
  anchor String,
  path Array(String),
  sessions UInt64,
  built_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
${pathCacheStorage('build_id, direction, depth, anchor')}`

/** Tables that hold events or rollups of them: what a reset of the data must empty. */
export const EVENT_TABLES = [
  'events',
  'page_views_daily',
  'overview_snapshots',
  'identity_links',
  'path_builds',
  'path_sessions',
  'path_counts',
] as const

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'events and deliveries', statements: [EVENTS_DDL, DELIVERIES_DDL] },
  {
    version: 2,
    name: 'page views per day and page',
    statements: [PAGE_VIEWS_DAILY_DDL, PAGE_VIEWS_DAILY_MV_DDL, PAGE_VIEWS_DAILY_BACKFILL],
  },
  {
    version: 3,
    name: 'overview snapshots of closed days',
    statements: [
      PAGE_VIEWS_DAILY_COUNTER_DDL,
      PAGE_VIEWS_COUNTED_MV_DDL,
      DROP_PAGE_VIEWS_DAILY_MV,
      OVERVIEW_SNAPSHOTS_DDL,
    ],
  },
  { version: 4, name: 'device clock offset of events', statements: [EVENTS_CLOCK_OFFSET_DDL] },
  { version: 5, name: 'tracking plan version of events', statements: [EVENTS_PLAN_DDL] },
  {
    version: 6,
    name: 'anonymous ids, identity links and erasures',
    statements: [EVENTS_ANONYMOUS_ID_DDL, IDENTITY_LINKS_DDL, IDENTITY_LINKS_MV_DDL, ERASURES_DDL],
  },
  { version: 7, name: 'partner tokens', statements: [PARTNER_TOKENS_DDL] },
  { version: 8, name: 'refusal tallies of the collectors', statements: [COLLECTOR_REFUSALS_DDL] },
  {
    version: 9,
    name: 'storage time of events, older rows at their receive time',
    statements: [EVENTS_STORED_AT_DDL, EVENTS_STORED_AT_BACKFILL],
  },
  {
    version: 10,
    name: 'storage time of new events at insert',
    statements: [EVENTS_STORED_AT_INSERT_TIME_DDL],
  },
  {
    version: 11,
    name: 'minmax indexes of arrival and storage times',
    statements: [EVENTS_ARRIVAL_INDEXES_DDL, EVENTS_ARRIVAL_INDEXES_BUILD],
  },
  {
    version: 12,
    name: 'kept builds of user paths',
    statements: [PATH_BUILDS_DDL, PATH_SESSIONS_DDL, PATH_COUNTS_DDL],
  },
]
