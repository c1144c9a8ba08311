// posthog-js with everything but event capture turned off, so only track-path work is measured.
import posthog from 'posthog-js'
import { register } from './harness.js'

register({
  setup: ({ endpoint }) =>
    new Promise((resolve) => {
      posthog.init('phc_bench', {
        api_host: endpoint,
        autocapture: false,
        capture_pageview: false,
        capture_pageleave: false,
        capture_heatmaps: false,
        capture_dead_clicks: false,
        capture_exceptions: false,
        capture_performance: false,
        disable_session_recording: true,
        disable_surveys: true,
        disable_web_experiments: true,
        disable_product_tours: true,
        disable_conversations: true,
        advanced_disable_flags: true,
        advanced_disable_decide: true,
        disable_external_dependency_loading: true,
        // The harness is headless Chromium, which PostHog would drop as a bot.
        opt_out_useragent_filter: true,
        // Its client-side limit (10/s, burst 100) would drop the benchmark's events.
        rate_limiting: { events_per_second: 1e9, events_burst_limit: 1e9 },
        loaded: () => resolve(),
      })
    }),
  call(i) {
    posthog.capture('card_click', { card_id: 'c' + i })
  },
  // PostHog has no public flush: its request queue sends every 3 s on its own.
  drain: async () => {},
})
