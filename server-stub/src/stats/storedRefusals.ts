import type { EventStore } from '../types'
import type { RefusalSource, RejectionBucket } from './rejectionLog'
import type { RefusalTally } from './refusalTallies'

/** The table of the collectors' refusal tallies (store/migrations.ts, version 8). */
export const REFUSALS_TABLE = 'collector_refusals'

/**
 * Refusals per minute and reason since `{since}`: per instance the highest tally of the minute
 * (what a merge of the AggregatingMergeTree keeps, computed here since merges are eventual),
 * then summed over the collector instances.
 */
const REFUSALS_SQL = `
SELECT toUnixTimestamp(minute) * 1000 AS start, reason, sum(refused) AS refused
FROM (
  SELECT minute, instance, toString(reason) AS reason, max(refused) AS refused
  FROM ${REFUSALS_TABLE}
  WHERE minute >= toDateTime(intDiv({since:Int64}, 1000), 'UTC')
  GROUP BY minute, instance, reason
)
GROUP BY start, reason
ORDER BY start, reason`

/**
 * Stores tallies: one row per (minute, instance, reason) with its count. Safe to repeat and in
 * any order (the table keeps the max per key).
 */
export async function storeRefusalTallies(store: EventStore, tallies: RefusalTally[]) {
  const rows = tallies.flatMap((tally) =>
    Object.entries(tally.rejected).map(([reason, refused]) => ({
      minute: tally.minute / 1000,
      instance: tally.instance,
      reason,
      refused,
    })),
  )
  if (rows.length) await store.insert(REFUSALS_TABLE, rows)
}

/**
 * The refusals of every collector of the deployment, as the consumer stored them: for the
 * stats role of a deployment with Kafka (`rejected_source: "store"`). They lag the refusal by
 * up to the collectors' publish period (5 s) plus the consumer's delay.
 */
export function storedRefusals(store: EventStore): RefusalSource {
  return {
    source: 'store',
    async since(since: number): Promise<RejectionBucket[]> {
      const rows = await store.query<{
        start: number | string
        reason: string
        refused: number | string
      }>(REFUSALS_SQL, { since })
      const buckets = new Map<number, Record<string, number>>()
      for (const row of rows) {
        const start = Number(row.start)
        const bucket = buckets.get(start) ?? {}
        bucket[row.reason] = Number(row.refused)
        buckets.set(start, bucket)
      }
      return [...buckets].map(([start, rejected]) => ({ start, rejected }))
    },
  }
}
