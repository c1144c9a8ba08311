import type { EventStore } from '../types'
import { eventsWithPerson, personOf } from './personSql'
import { FILTER_SQL, NO_FILTERS, type StatsFilters } from './statsFilters'
import { zonedRangeParams, type StatsRange } from './statsRange'

/** One traffic source of {@link SourcesStats}. */
export interface SourceCounts {
  /** `utm_source`; without one the referring domain; without either `(direct)`. */
  source: string
  /** `utm_medium` (`(none)` when absent); `referral` for a referring domain without utm. */
  medium: string
  /** `utm_campaign`, `(none)` when absent. */
  campaign: string
  /** Page views, each event once. */
  pv: number
  /** Unique people (stats/personSql.ts) with a page view from the source. */
  uv: number
}

/** `GET /api/stats/sources`. */
export interface SourcesStats {
  /** Most page views first, at most {@link MAX_SOURCES}. */
  sources: SourceCounts[]
}

/** The most rows `sources` lists: a bounded answer whatever the campaigns sent. */
export const MAX_SOURCES = 500

/**
 * Page views per source, medium and campaign. The SDK attaches a session's landing attribution
 * (utm_* and referrer_domain) to each of its page views; a page view with utm_source is
 * attributed to its utm fields, one without it to its referring domain (medium `referral`), one
 * with neither to `(direct)` — the conventions of Google Analytics' default channel names.
 */
const SOURCES_SQL = `
SELECT source, medium, campaign, count() AS pv, uniqExact(person) AS uv
FROM (
  SELECT JSONExtractString(e.properties, 'utm_source') AS utm_source,
    JSONExtractString(e.properties, 'referrer_domain') AS referrer,
    multiIf(utm_source != '', utm_source, referrer != '', referrer, '(direct)') AS source,
    multiIf(utm_source != '',
      if(JSONExtractString(e.properties, 'utm_medium') = '', '(none)',
        JSONExtractString(e.properties, 'utm_medium')),
      referrer != '', 'referral', '(none)') AS medium,
    if(utm_source != '' AND JSONExtractString(e.properties, 'utm_campaign') != '',
      JSONExtractString(e.properties, 'utm_campaign'), '(none)') AS campaign,
    ${personOf()} AS person
  FROM ${eventsWithPerson('e', true)}
  WHERE e.event_name = 'page_view'
    AND e.event_date BETWEEN {from_utc:Date} AND {to_utc:Date}
    AND toDate(e.timestamp, {tz:String}) BETWEEN {from:Date} AND {to:Date}
    AND ${FILTER_SQL}
)
GROUP BY source, medium, campaign
ORDER BY pv DESC, source, medium, campaign
LIMIT {limit:UInt32}`

/**
 * PV and UV per traffic source over a range of days (issue 14's attribution).
 *
 * @param store - The event store.
 * @param range - Inclusive days of `range.tz` (UTC by default); open bounds follow the data.
 * @param filters - Only page views of this app and platform.
 * @throws RangeError when the range is malformed.
 */
export async function sourcesStats(
  store: EventStore,
  range: StatsRange = {},
  filters: StatsFilters = NO_FILTERS,
): Promise<SourcesStats> {
  const rows = await store.query<Omit<SourceCounts, 'pv' | 'uv'> & { pv: number; uv: number }>(
    SOURCES_SQL,
    { ...zonedRangeParams(range), ...filters, limit: MAX_SOURCES },
  )
  return {
    sources: rows.map((row) => ({
      source: row.source,
      medium: row.medium,
      campaign: row.campaign,
      pv: Number(row.pv),
      uv: Number(row.uv),
    })),
  }
}
