import { HttpError } from '../http/httpError'
import { PLATFORMS } from './statsSchemas'

/** The `app_id` and `platform` filters of a stats request; '' means "every". */
export interface StatsFilters {
  app_id: string
  platform: string
}

/** No filter: every app, every platform. */
export const NO_FILTERS: StatsFilters = { app_id: '', platform: '' }

/**
 * The SQL condition of {@link StatsFilters} over `events`, with the query parameters
 * `{app_id:String}` and `{platform:String}` (pass the filters themselves as parameters). An
 * empty parameter matches every row, so one statement serves filtered and unfiltered requests.
 */
export const FILTER_SQL = `({app_id:String} = '' OR app_id = {app_id:String})
    AND ({platform:String} = '' OR platform = {platform:String})`

/** Whether `filters` restricts anything. */
export const isFiltered = (filters: StatsFilters): boolean =>
  filters.app_id !== '' || filters.platform !== ''

/**
 * Reads `app_id` and `platform` from a query string.
 *
 * @throws HttpError 400 naming the parameter and what it must be.
 */
export function readFilters(query: Record<string, unknown>): StatsFilters {
  const one = (key: string): string | undefined => {
    const value = query[key]
    return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value)
  }
  const appId = one('app_id')
  const platform = one('platform')
  if (appId !== undefined && (appId.length === 0 || appId.length > 128)) {
    throw new HttpError(400, 'app_id must be 1 to 128 characters', 'bad_filter')
  }
  if (platform !== undefined && !(PLATFORMS as readonly string[]).includes(platform)) {
    throw new HttpError(
      400,
      `platform must be one of ${PLATFORMS.join(', ')}, got ${JSON.stringify(platform)}`,
      'bad_filter',
    )
  }
  return { app_id: appId ?? '', platform: platform ?? '' }
}
