// Every package entry, used as the README shows, type-checked from the installed tarballs.
import { autoCapture, createTracker } from '@trackpoint/core'
import type { EventName, EventProperties, Tracker } from '@trackpoint/core'
import { validateEvent } from '@trackpoint/schema'

export const tracker: Tracker = createTracker({
  endpoint: 'http://127.0.0.1:8080',
  appId: 'dev_app',
  secret: 'dev_secret',
})
autoCapture(tracker)
tracker.track('recommend_click', { delivery_id: 'd_1', content_type: 'banner' })

// Types are real, not `any`: these hold only if the plan's types reached the app.
const name: EventName = 'page_view'
const props: EventProperties['page_view'] = { page_name: 'home' }
tracker.track(name, props)
export const checked: boolean = validateEvent({ event_name: 'page_view' }).valid
