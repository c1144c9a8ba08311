import { inject, type App } from 'vue'
import { createTrackpoint, trackpointKey } from '@trackpoint/vue'

/**
 * Tracks the dashboard's own use with @trackpoint/vue when the page names a collector and an
 * app: the stats role writes them into index.html when the collector runs in the same server
 * (`<meta name="trackpoint-endpoint">`, `<meta name="trackpoint-app" content="app_id:secret">`).
 * Without them nothing is tracked. Returns whether tracking is on.
 */
export function installTracking(app: App): boolean {
  const meta = (name: string) =>
    document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content.trim() ?? ''
  // `same-origin`: the collector of the server that serves the dashboard.
  const named = meta('trackpoint-endpoint')
  const endpoint = named === 'same-origin' ? location.origin : named
  const [appId, secret] = meta('trackpoint-app').split(':')
  if (!endpoint || !appId || !secret) return false
  app.use(
    createTrackpoint({
      endpoint,
      appId,
      secret,
      appVersion: 'dashboard',
      // Tracking never gets in the operator's way: its problems go to the console only.
      onError: (error) => console.warn('[trackpoint]', error.kind, error.message),
    }),
  )
  return true
}

/**
 * `page_view` of a dashboard view (`page_name: dashboard_<view>`); does nothing when tracking
 * is off. Call in setup().
 */
export function useViewTracking(): (view: string) => void {
  const tracker = inject(trackpointKey, null)
  return (view) => tracker?.track('page_view', { page_name: `dashboard_${view}` })
}
