// The answers of the stats API the dashboard reads (docs/stats-api.md); only the fields shown.

/** `GET /api/stats/whoami`. */
export type WhoAmI = { role: 'admin' } | { role: 'partner'; name: string; delivery_ids: string[] }

/** `GET /api/stats/overview`. */
export interface Overview {
  pv: number
  uv: number
  daily_stats: { date: string; pv: number; uv: number }[]
  top_pages: { page: string; pv: number; uv: number }[]
}

/** One step of an Action's funnel. */
export interface FunnelStep {
  step: 'page_view' | 'card_click' | 'action_start' | 'action_complete' | 'reward_claim'
  users: number
  events: number
  conversion: number
}

/** `GET /api/stats/action/{id}`. */
export interface ActionStats {
  action_id: string
  page_views: number
  card_clicks: number
  starts: number
  completions: number
  conversion_rate: number
  reward_claims?: number
  completion_rate?: number
  funnel?: FunnelStep[]
  daily_stats: {
    date: string
    views: number
    starts: number
    completions: number
    completion_rate?: number
  }[]
}

/** `GET /api/stats/actions`. */
export interface ActionList {
  actions: {
    action_id: string
    page_views: number
    started_users: number
    completed_users: number
    completion_rate: number
  }[]
}

/** `GET /api/stats/delivery/{id}`. */
export interface DeliveryStats {
  delivery_id: string
  target_users: number
  viewed_users: number
  clicked_users: number
  completed_users: number
  view_rate: number
  click_rate: number
  completion_rate: number
  /** recommend_expand_collapse events with action expand in the range, each once. */
  expands: number
  /** recommend_expand_collapse events with action collapse in the range, each once. */
  collapses: number
  daily_stats: { date: string; views: number; clicks: number; completions: number }[]
}

/** `GET /api/stats/deliveries`. */
export interface DeliveryList {
  deliveries: {
    delivery_id: string
    target_users: number
    viewed_users: number
    clicked_users: number
    completed_users: number
  }[]
}

/** `GET /api/stats/paths`. */
export interface UserPaths {
  direction: 'from' | 'to'
  page: string
  depth: number
  sessions: number
  nodes: { id: string; step: number; page: string; sessions: number }[]
  links: { source: string; target: string; sessions: number }[]
  paths: { pages: string[]; sessions: number }[]
}

/** `GET /api/stats/health`. */
export interface TrackingHealth {
  generated_at: number
  bucket_seconds: number
  throughput: { start: number; accepted: number; rejected: Record<string, number> }[]
  /** Where refusals come from: this process's collector, every collector's stored tallies, or none. */
  rejected_source: 'this_process' | 'store' | 'unavailable'
  consumer_lag: {
    source: 'embedded' | 'kafka' | 'unavailable'
    total: number
    partitions: Record<string, number>
  }
  events_today: { event_name: string; today: number; last_week: number; drop: boolean }[]
  unseen_plan_events: string[]
  unknown_events: { event_name: string; events: number; last_seen: number }[]
  sdk_versions: { sdk_version: string; platform: string; events: number; users: number }[]
}

/** One event of `GET /api/stats/live`. */
export interface LiveEvent {
  event_id: string
  event_name: string
  user_id: string
  app_id: string
  platform: string
  page: string
  session_id: string
  timestamp: number
  received_at: number
  /** When the store made it visible, ms: the order of the live view. */
  stored_at: number
  sdk_version: string
  properties: Record<string, unknown>
  validation: { status: string; reasons: string[] }
}

/** `GET /api/stats/live`. */
export interface LiveEvents {
  events: LiveEvent[]
  cursor: string
}
