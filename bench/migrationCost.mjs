// What the first start after an upgrade from a store older than migration 9 costs. Migration 9
// writes `stored_at` into every part stored before it (MATERIALIZE COLUMN, mutations_sync = 2),
// and the process listens only once the migrations are done (docs/server.md, "Upgrading").
//
//   npm run build && node bench/migrationCost.mjs [--rows=1000000] [--inserts=100]
//
// On the embedded engine (chdb): a fresh store is migrated, taken back to schema version 8 (the
// two indexes of v11 and the column of v9–v10 dropped, their versions removed), filled with
// `rows` synthetic events (bench/syntheticEvents.mjs) in `inserts` inserts, left until no merge
// runs for 3 s (an upgrade meets a store at rest), then started again,
// which applies 9–11: that start is timed, then a start of the same store once current, and
// the difference is what the upgrade added. Prints one JSON line.
//
// With --by-hand, migration 9 is run before that start the way docs/server.md tells an operator
// to (its two statements, then its version recorded), each MATERIALIZE timed: once, and once
// more to show what a rerun costs. The start then applies only 10 and 11. With --in-place,
// the running process's store.migrate() applies 9–11 instead (timed as migrate_ms), without
// the restart around it, so the start after it has nothing left to apply.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { syntheticEventsInsert } from './syntheticEvents.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const arg = (name, fallback) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const ROWS = arg('rows', 1_000_000)
const INSERTS = arg('inserts', 100)
if (!Number.isSafeInteger(ROWS) || ROWS < 1 || !Number.isSafeInteger(INSERTS) || INSERTS < 1) {
  throw new Error('--rows and --inserts take whole numbers ≥ 1, e.g. --rows=1000000 --inserts=100')
}
const BY_HAND = process.argv.includes('--by-hand')
const IN_PLACE = process.argv.includes('--in-place')
const DAY = 86_400_000
/** Migration 9 as an operator runs it by hand (docs/server.md, "Upgrading"). */
const V9_COLUMN = `ALTER TABLE events ADD COLUMN IF NOT EXISTS stored_at DateTime64(6, 'UTC') DEFAULT toDateTime64(received_at, 6)`
const V9_MATERIALIZE = 'ALTER TABLE events MATERIALIZE COLUMN stored_at SETTINGS mutations_sync = 2'
const V9_RECORD = `INSERT INTO schema_migrations (version, name) VALUES (9, 'storage time of events, older rows at their receive time')`

const server = await import(join(ROOT, 'server-stub/dist/index.mjs'))
const dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-bench-migration-'))
const config = server.loadConfig({
  TRACKPOINT_DATA_DIR: dataDir,
  PORT: '0',
  TRACKPOINT_ADMIN_TOKEN: 'bench_admin',
})
const logger = { info() {}, warn() {}, error() {}, debug() {} }

/** Starts every role on the store (migrating it first); resolves with the server and its ms. */
async function timedStart() {
  const started = performance.now()
  const running = await server.startServer({ config, logger })
  return { running, ms: Math.round(performance.now() - started) }
}

const versions = async (store) =>
  (await store.query('SELECT DISTINCT version FROM schema_migrations ORDER BY version')).map(
    (row) => Number(row.version),
  )

try {
  const fresh = await timedStart()
  let store = fresh.running.store
  const current = await versions(store)
  if (current.at(-1) !== 11) {
    throw new Error(`this bench takes a store from v8 to v11; the build migrates to ${current}`)
  }
  // Back to what a store of version 8 holds: no stored_at, no arrival indexes.
  for (const statement of [
    'ALTER TABLE events DROP INDEX IF EXISTS received_at_minmax',
    'ALTER TABLE events DROP INDEX IF EXISTS stored_at_minmax',
    'ALTER TABLE events DROP COLUMN IF EXISTS stored_at',
    'ALTER TABLE schema_migrations DELETE WHERE version >= 9 SETTINGS mutations_sync = 2',
  ])
    await store.command(statement)
  const from = Date.now() - 30 * DAY
  const perInsert = Math.ceil(ROWS / INSERTS)
  for (let left = ROWS; left > 0; left -= perInsert) {
    await store.command(syntheticEventsInsert(Math.min(perInsert, left), from))
  }
  // A store at rest: a mutation waits for the merges of the parts it rewrites, and merges of
  // just-inserted parts would be timed with it (seen: 16 s instead of 2.5 s for 5M rows).
  const merging = async () =>
    Number(
      (
        await store.query(
          "SELECT count() AS n FROM system.merges WHERE database = currentDatabase() AND table = 'events'",
        )
      )[0].n,
    )
  const settleBy = Date.now() + 600_000
  for (let quiet = 0; quiet < 3 && Date.now() < settleBy;) {
    quiet = (await merging()) ? 0 : quiet + 1
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  const before = {
    versions: await versions(store),
    rows: Number((await store.query('SELECT count() AS n FROM events'))[0].n),
    parts: Number(
      (
        await store.query(
          "SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = 'events' AND active",
        )
      )[0].n,
    ),
  }
  const timings = {}
  if (BY_HAND) {
    await store.command(V9_COLUMN)
    for (const run of ['materialize_ms', 'rematerialize_ms']) {
      const started = performance.now()
      await store.command(V9_MATERIALIZE)
      timings[run] = Math.round(performance.now() - started)
    }
    await store.command(V9_RECORD)
  }
  if (IN_PLACE) {
    const started = performance.now()
    await store.migrate()
    timings.migrate_ms = Math.round(performance.now() - started)
  }
  await fresh.running.close()

  const upgrade = await timedStart()
  store = upgrade.running.store
  const after = {
    versions: await versions(store),
    // Every row read back with its receive time…
    storedAtOff: Number(
      (
        await store.query(
          'SELECT count() AS n FROM events WHERE stored_at != toDateTime64(received_at, 6)',
        )
      )[0].n,
    ),
    // …written into every part (a part without the column would compute its default).
    partsWithout: Number(
      (
        await store.query(
          `SELECT count() AS n FROM system.parts AS p WHERE p.database = currentDatabase()
             AND p.table = 'events' AND p.active AND p.name NOT IN (
               SELECT name FROM system.parts_columns WHERE database = currentDatabase()
                 AND table = 'events' AND active AND column = 'stored_at')`,
        )
      )[0].n,
    ),
  }
  await upgrade.running.close()

  const again = await timedStart()
  await again.running.close()

  const addedMs = upgrade.ms - again.ms
  console.log(
    JSON.stringify({
      rows: before.rows,
      by_hand: BY_HAND,
      in_place: IN_PLACE,
      ...timings,
      parts_before: before.parts,
      versions_before: before.versions.at(-1),
      versions_after: after.versions.at(-1),
      stored_at_not_received_at: after.storedAtOff,
      parts_without_stored_at: after.partsWithout,
      upgrade_start_ms: upgrade.ms,
      current_start_ms: again.ms,
      added_ms: addedMs,
      added_ms_per_million_rows: Math.round((addedMs / before.rows) * 1e6),
    }),
  )
} finally {
  await rm(dataDir, { recursive: true, force: true })
}
