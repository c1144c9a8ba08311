/**
 * Date ranges of the stats API: inclusive UTC days as `YYYY-MM-DD`, and the daily series that
 * list every day of a range, zeros included, so charts need no gap filling.
 */

/** An inclusive range of days; a missing bound means "from the first / to the last data". */
export interface StatsRange {
  /** First day, `YYYY-MM-DD` in `tz`, inclusive. */
  from?: string
  /** Last day, `YYYY-MM-DD` in `tz`, inclusive. */
  to?: string
  /**
   * The IANA time zone whose days `from`, `to` and the daily series are (`Asia/Shanghai`).
   * @default 'UTC'
   */
  tz?: string
}

/** Whether `name` is an IANA time zone this runtime knows (`Asia/Shanghai`, `UTC`). */
export function isTimeZone(name: string): boolean {
  if (!name || name.length > 64) return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name })
    return true
  } catch {
    return false
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DAY_MS = 86_400_000
/** ClickHouse `Date` runs from 1970-01-01 to 2149-06-06; open bounds become these. */
const FIRST_DAY = '1970-01-01'
const LAST_DAY = '2149-06-06'

/** Whether `value` is a real calendar day written `YYYY-MM-DD` (2023-02-30 is not). */
export function isDay(value: string): boolean {
  const match = DATE.exec(value)
  if (!match) return false
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  return new Date(ms).toISOString().slice(0, 10) === value
}

/**
 * The query parameters `{from:Date}` and `{to:Date}` for a range, open bounds made explicit.
 *
 * @throws RangeError when a bound is not a `YYYY-MM-DD` day or `from` is after `to`.
 */
export function rangeParams(range: StatsRange): { from: string; to: string } {
  for (const key of ['from', 'to'] as const) {
    const value = range[key]
    if (value !== undefined && !isDay(value)) {
      throw new RangeError(`${key} must be a day written YYYY-MM-DD, got ${JSON.stringify(value)}`)
    }
  }
  const from = range.from ?? FIRST_DAY
  const to = range.to ?? LAST_DAY
  if (from > to) throw new RangeError(`from (${from}) must not be after to (${to})`)
  return { from, to }
}

/** The day `n` days after `day`, clamped to ClickHouse's `Date` range. */
function shiftDay(day: string, n: number): string {
  const shifted = new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)
  return shifted < FIRST_DAY ? FIRST_DAY : shifted > LAST_DAY ? LAST_DAY : shifted
}

/**
 * {@link rangeParams} for days of a time zone, plus what the SQL needs to read them fast:
 * `{tz:String}`, and `{from_utc:Date}` / `{to_utc:Date}`, the UTC days (the table's
 * `event_date`, in its key) that can hold events of the zone's days — one more each side, as
 * no zone is a day away from UTC. The SQL filters on `event_date` between those (the index)
 * and on `toDate(timestamp, tz)` between `from` and `to` (the answer).
 *
 * @throws RangeError for a malformed range or an unknown time zone.
 */
export function zonedRangeParams(range: StatsRange): {
  from: string
  to: string
  from_utc: string
  to_utc: string
  tz: string
} {
  const tz = range.tz ?? 'UTC'
  if (!isTimeZone(tz)) {
    throw new RangeError(
      `tz must be an IANA time zone such as Asia/Shanghai, got ${JSON.stringify(tz)}`,
    )
  }
  const { from, to } = rangeParams(range)
  const utc = tz === 'UTC'
  return {
    from,
    to,
    from_utc: utc ? from : shiftDay(from, -1),
    to_utc: utc ? to : shiftDay(to, 1),
    tz,
  }
}

/** Every day from `from` to `to`, inclusive. */
export function eachDay(from: string, to: string): string[] {
  const days: string[] = []
  for (
    let ms = Date.parse(`${from}T00:00:00Z`);
    ms <= Date.parse(`${to}T00:00:00Z`);
    ms += DAY_MS
  ) {
    days.push(new Date(ms).toISOString().slice(0, 10))
  }
  return days
}

/**
 * A daily series over the range: one entry per day, `zero(date)` for days without data. An
 * open bound is taken from the data, so a range with no bounds and no data gives `[]`.
 *
 * @param rows - The days that have data, each with its `date`.
 * @param range - The range asked for.
 * @param zero - The entry for a day without data.
 */
export function fillDays<T extends { date: string }>(
  rows: readonly T[],
  range: StatsRange,
  zero: (date: string) => T,
): T[] {
  const byDate = new Map(rows.map((row) => [row.date, row]))
  const dates = [...byDate.keys()].sort()
  const from = range.from ?? dates[0]
  const to = range.to ?? dates[dates.length - 1]
  if (from === undefined || to === undefined) return []
  return eachDay(from, to).map((date) => byDate.get(date) ?? zero(date))
}
