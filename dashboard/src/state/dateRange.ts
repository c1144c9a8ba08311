/** Presets of the date filter: today, the last 7 or 30 days (today included), or custom. */
export const RANGE_PRESETS = ['today', '7d', '30d', 'custom'] as const
/** One of {@link RANGE_PRESETS}. */
export type RangePreset = (typeof RANGE_PRESETS)[number]

/** The operator's IANA time zone, from the browser. */
export function operatorTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}

/** The calendar day of `now` in `timeZone`, `YYYY-MM-DD` (en-CA formats days that way). */
export function dayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now)
}

/** `day` moved by `days` calendar days (calendar arithmetic in UTC: no DST step can skew it). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10)
}

/** The inclusive `from`/`to` days of a preset, ending today in `timeZone`. */
export function presetRange(
  preset: Exclude<RangePreset, 'custom'>,
  timeZone: string,
  now: Date = new Date(),
): { from: string; to: string } {
  const to = dayIn(timeZone, now)
  const back = preset === 'today' ? 0 : preset === '7d' ? 6 : 29
  return { from: addDays(to, -back), to }
}
