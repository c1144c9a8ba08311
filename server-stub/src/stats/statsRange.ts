/**
 * Date ranges of the stats API: inclusive UTC days as `YYYY-MM-DD`, and the daily series that
 * list every day of a range, zeros included, so charts need no gap filling.
 */

/** An inclusive range of UTC days; a missing bound means "from the first / to the last data". */
export interface StatsRange {
  /** First day, `YYYY-MM-DD` (UTC), inclusive. */
  from?: string
  /** Last day, `YYYY-MM-DD` (UTC), inclusive. */
  to?: string
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
