// Each line marked MISTAKE with a quoted text must be a compile error whose message holds that
// text; scripts/checkPackages.mjs asserts it line by line, so types that silently became `any`
// (or did not resolve) fail the check. (Prettier leaves this folder alone: it would move the
// markers off their lines.)
import { createTracker } from '@trackpoint/core'
import { validateEvent } from '@trackpoint/schema'

const tracker = createTracker({ endpoint: 'http://127.0.0.1:8080', appId: 'dev_app' })
tracker.track('recomend_click', { delivery_id: 'd_1', content_type: 'banner' }) // MISTAKE "recomend_click"
tracker.track('recommend_click', { content_type: 'banner' }) // MISTAKE "delivery_id"
validateEvent({ event_name: 'page_view' }).valid satisfies string // MISTAKE "boolean"
