// Prints the stored events of a stopped consumer+stats process's ClickHouse engine as one JSON
// line: `{"rows": [[event_id, copies_in_final, raw_rows, event_name, user_id, timestamp_ms]]}`.
// Run in a child process (`node readStore.mjs <TRACKPOINT_DATA_DIR>`) because chdb binds one
// data directory per process and each spec has its own; the role process must be stopped
// first, since two processes cannot open one chdb directory.
import { join } from 'node:path'
import { Session } from 'chdb'

const dataDir = process.argv[2]
if (!dataDir) {
  console.error('usage: node readStore.mjs <TRACKPOINT_DATA_DIR>')
  process.exit(2)
}
const session = new Session(join(dataDir, 'clickhouse'))
try {
  // FINAL collapses rows with the same key (a replayed insert): what the stats count. A second
  // row of one event_id under FINAL is a real double (a different key for the same event).
  // raw_rows counts the copies before merges, to report replays.
  const text = session.query(
    `SELECT toString(f.event_id), f.copies, r.raw, f.name, f.user, f.ts
     FROM (SELECT event_id, count() AS copies, any(event_name) AS name, any(user_id) AS user,
             toUnixTimestamp64Milli(any(timestamp)) AS ts
           FROM events FINAL GROUP BY event_id) AS f
     JOIN (SELECT event_id, count() AS raw FROM events GROUP BY event_id) AS r USING event_id`,
    'JSONCompact',
  )
  const rows = text.trim() ? JSON.parse(text).data : []
  process.stdout.write(`${JSON.stringify({ rows })}\n`)
} finally {
  session.cleanup?.()
}
