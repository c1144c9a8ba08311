/** A `YYYY-MM-DD` day shown for `locale` (month and day; the year is in the filter). */
export function formatDay(day: string, locale: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  // The day is a calendar day of the stats API's `tz`: formatting it at UTC midnight in UTC
  // keeps it that day whatever the browser's zone.
  return new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(y, m - 1, d)))
}
