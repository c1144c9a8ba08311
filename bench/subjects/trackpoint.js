// Trackpoint from its CDN file: the page loads trackpoint.min.js first (global `Trackpoint`).
import { register } from './harness.js'

let tracker

register({
  // `overrides`: options changed by the ablation runs (e.g. `{ compress: false }`).
  async setup({ endpoint, overrides = {} }) {
    tracker = window.Trackpoint.createTracker({
      endpoint,
      appId: 'bench',
      secret: 's',
      rateLimitPerSecond: 1e9,
      debounceMs: 0,
      ...overrides,
    })
  },
  call(i) {
    tracker.track('card_click', { card_id: 'c' + i })
  },
  drain: () => tracker.flush(),
})
