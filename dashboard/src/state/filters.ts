import { computed, reactive } from 'vue'
import type { QueryParams } from '../api/statsClient'
import { operatorTimeZone, presetRange, type RangePreset } from './dateRange'

/** The platforms of §三; '' is all of them. */
export const PLATFORMS = ['', 'web', 'ios', 'android'] as const

/** The filters every view applies: app, platform and the days, in the operator's zone. */
export interface Filters {
  /** An app id; '' is every app. */
  appId: string
  platform: (typeof PLATFORMS)[number]
  preset: RangePreset
  /** First day, inclusive (custom range). */
  from: string
  /** Last day, inclusive (custom range). */
  to: string
  /** IANA time zone of the days. @default the browser's */
  tz: string
}

const tz = operatorTimeZone()
const initial = presetRange('7d', tz)

/** The filters of this tab, shared by every view. */
export const filters = reactive<Filters>({
  appId: '',
  platform: '',
  preset: '7d',
  from: initial.from,
  to: initial.to,
  tz,
})

/** The stats API's query parameters for the filters (`from`, `to`, `tz`, `app_id`, `platform`). */
export const filterParams = computed<QueryParams>(() => {
  const days =
    filters.preset === 'custom'
      ? { from: filters.from, to: filters.to }
      : presetRange(filters.preset, filters.tz)
  return {
    ...days,
    tz: filters.tz,
    app_id: filters.appId.trim() || undefined,
    platform: filters.platform || undefined,
  }
})
