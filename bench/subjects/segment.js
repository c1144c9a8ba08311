// @segment/analytics-next with its settings given inline (`cdnSettings`), so it never fetches
// them from cdn.segment.com, and the Segment.io destination pointed at the sink.
import { AnalyticsBrowser } from '@segment/analytics-next'
import { register } from './harness.js'

let analytics

register({
  async setup({ endpoint, batching }) {
    const settings = {
      apiKey: 'bench',
      apiHost: endpoint.replace(/^https?:\/\//, '') + '/v1',
      protocol: 'http',
    }
    // Same defaults as Trackpoint's batcher: 10 events or 5 s.
    if (batching)
      settings.deliveryStrategy = { strategy: 'batching', config: { size: 10, timeout: 5000 } }
    const [instance] = await AnalyticsBrowser.load({
      writeKey: 'bench',
      cdnSettings: { integrations: { 'Segment.io': settings } },
    })
    analytics = instance
  },
  call(i) {
    void analytics.track('card_click', { card_id: 'c' + i })
  },
  drain: async () => {},
})
