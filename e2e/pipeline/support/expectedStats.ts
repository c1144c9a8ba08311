// The numbers of the stats API (§九 and the overview) computed from the events a scenario
// tracked, by the rules docs/server.md states — an independent second computation that the
// API's answers must equal. Pure functions over the ledger's events.

/** One tracked event as the ledger keeps it. */
export interface LedgerEvent {
  event_id: string
  event_name: string
  user_id: string
  /** ms since the epoch, as the page stamped it. */
  timestamp: number
  page: string
  properties: Record<string, unknown>
}

/** §六's window: an impression or click counts again 24 h after the last counted one. */
export const DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const prop = (event: LedgerEvent, key: string): string => {
  const value = event.properties[key]
  return typeof value === 'string' ? value : ''
}
/** The store's action_id: `properties.action_id`, or `card_id` for a card_click without one. */
const actionOf = (event: LedgerEvent): string =>
  event.event_name === 'card_click' && !('action_id' in event.properties)
    ? prop(event, 'card_id')
    : prop(event, 'action_id')

const bump = (map: Map<string, number>, key: string, by = 1) =>
  map.set(key, (map.get(key) ?? 0) + by)

/** Daily counts with zero days left out, sorted by day: `{date: {field: n}}`. */
export type Daily = Record<string, Record<string, number>>

/** What `GET /api/stats/delivery/{id}` must say. */
export interface DeliveryNumbers {
  viewed_users: number
  clicked_users: number
  completed_users: number
  daily: Daily
}

/** What `GET /api/stats/action/{id}` must say. */
export interface ActionNumbers {
  page_views: number
  card_clicks: number
  starts: number
  completions: number
  daily: Daily
}

/** What `GET /api/stats/overview` must say. */
export interface OverviewNumbers {
  pv: number
  uv: number
  daily: Daily
}

/**
 * §六: per (event_name, user) the first timestamp counts, and a later one counts when it is at
 * least 24 h after the last counted one. Returns the counted timestamps.
 */
export function countedTimes(timestamps: number[], windowMs = DEDUP_WINDOW_MS): number[] {
  const counted: number[] = []
  for (const ts of [...timestamps].sort((a, b) => a - b)) {
    const last = counted.at(-1)
    if (last === undefined || ts - last >= windowMs) counted.push(ts)
  }
  return counted
}

const addDaily = (daily: Daily, day: string, field: string, by = 1) => {
  daily[day] ??= {}
  daily[day][field] = (daily[day][field] ?? 0) + by
}

/** Expected numbers of one delivery. */
export function deliveryNumbers(events: LedgerEvent[], deliveryId: string): DeliveryNumbers {
  const mine = events.filter((e) => prop(e, 'delivery_id') === deliveryId)
  const users = (name: string) =>
    new Set(mine.filter((e) => e.event_name === name).map((e) => e.user_id)).size
  const daily: Daily = {}
  for (const [name, field] of [
    ['recommend_impression', 'views'],
    ['recommend_click', 'clicks'],
  ] as const) {
    const byUser = new Map<string, number[]>()
    for (const e of mine.filter((e) => e.event_name === name)) {
      byUser.set(e.user_id, [...(byUser.get(e.user_id) ?? []), e.timestamp])
    }
    for (const times of byUser.values()) {
      for (const ts of countedTimes(times)) addDaily(daily, utcDay(ts), field)
    }
  }
  for (const e of mine.filter((e) => e.event_name === 'recommend_complete')) {
    addDaily(daily, utcDay(e.timestamp), 'completions')
  }
  return {
    viewed_users: users('recommend_impression'),
    clicked_users: users('recommend_click'),
    completed_users: users('recommend_complete'),
    daily,
  }
}

/** Expected numbers of one Action. */
export function actionNumbers(events: LedgerEvent[], actionId: string): ActionNumbers {
  const fields: Record<string, keyof ActionNumbers & string> = {
    page_view: 'page_views',
    card_click: 'card_clicks',
    action_start: 'starts',
    action_complete: 'completions',
  }
  // daily_stats has no card clicks (§九: {date, views, starts, completions}).
  const dailyField: Record<string, string | undefined> = {
    page_view: 'views',
    action_start: 'starts',
    action_complete: 'completions',
  }
  const totals = new Map<string, number>()
  const daily: Daily = {}
  for (const e of events) {
    const field = fields[e.event_name]
    if (!field || actionOf(e) !== actionId) continue
    bump(totals, field)
    const dayField = dailyField[e.event_name]
    if (dayField) addDaily(daily, utcDay(e.timestamp), dayField)
  }
  return {
    page_views: totals.get('page_views') ?? 0,
    card_clicks: totals.get('card_clicks') ?? 0,
    starts: totals.get('starts') ?? 0,
    completions: totals.get('completions') ?? 0,
    daily,
  }
}

/** Expected overview: page views and unique viewers, in total and per UTC day. */
export function overviewNumbers(events: LedgerEvent[]): OverviewNumbers {
  const views = events.filter((e) => e.event_name === 'page_view')
  const daily: Daily = {}
  const viewersByDay = new Map<string, Set<string>>()
  for (const e of views) {
    const day = utcDay(e.timestamp)
    addDaily(daily, day, 'pv')
    viewersByDay.set(day, (viewersByDay.get(day) ?? new Set()).add(e.user_id))
  }
  for (const [day, viewers] of viewersByDay) addDaily(daily, day, 'uv', viewers.size)
  return { pv: views.length, uv: new Set(views.map((e) => e.user_id)).size, daily }
}

/** The delivery and Action ids the events mention, for the API calls to make. */
export function idsIn(events: LedgerEvent[]): { deliveries: string[]; actions: string[] } {
  const deliveries = new Set<string>()
  const actions = new Set<string>()
  for (const e of events) {
    if (prop(e, 'delivery_id')) deliveries.add(prop(e, 'delivery_id'))
    if (actionOf(e)) actions.add(actionOf(e))
  }
  return { deliveries: [...deliveries].sort(), actions: [...actions].sort() }
}

/** An API daily_stats list as {@link Daily}: zero fields and zero days left out. */
export function dailyOf(rows: Record<string, unknown>[], fields: string[]): Daily {
  const daily: Daily = {}
  for (const row of rows) {
    for (const field of fields) {
      const value = Number(row[field] ?? 0)
      if (value) addDaily(daily, String(row.date), field, value)
    }
  }
  return daily
}
