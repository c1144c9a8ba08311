// The page side of the long-task benchmark (bench/longTasks.mjs). The page loads
// trackpoint.min.js first (global `Trackpoint`). Each case has the SDK variant and a baseline
// that does the page's own part of the work without the SDK, so a long task can be told to be
// the page's or the SDK's.
//
// Every step runs in a task of its own (setTimeout), not inside the DevTools command that asks
// for it; the page's own work is one task between the marks `lt:work-start` and `lt:work-end`.
import { createStore, setMany } from 'idb-keyval'

/** Long tasks (PerformanceObserver `longtask`, > 50 ms) since the page started. */
const longTasks = []
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration })
}).observe({ type: 'longtask', buffered: true })

const inTask = (fn) => new Promise((resolve) => setTimeout(() => resolve(fn()), 0))
const APP_ID = 'bench'
let tracker
let work = { start: NaN, end: NaN }

const trackerOptions = (endpoint) => ({
  endpoint,
  appId: APP_ID,
  secret: 's',
  // As in the track() benchmark: every call is kept (the defaults limit one name to 10 a second).
  rateLimitPerSecond: 1e9,
  debounceMs: 0,
})

/** An event as the SDK serialises it. */
const storedEvent = (i, now) =>
  JSON.stringify({
    event_id: crypto.randomUUID(),
    event_name: 'card_click',
    user_id: 'u_bench',
    timestamp: now - 10_000 + i,
    platform: 'web',
    page: '/longTasks.html',
    session_id: 's_bench',
    properties: { card_id: 'c' + i },
  })

/**
 * Stores `count` events the way packages/core/src/eventQueue.ts does: segments of up to 100
 * events, each one string of the events' JSON one per line, under keys
 * `<time36>.<tab>.<seq36>`, in the database `trackpoint:<appId>`, store `events`.
 */
async function storeBacklog(count) {
  const db = createStore(`trackpoint:${APP_ID}`, 'events')
  const now = Date.now()
  const time = now.toString(36).padStart(9, '0')
  const entries = []
  for (let i = 0, seq = 0; i < count; i += 100, seq++) {
    const lines = []
    for (let j = i; j < Math.min(count, i + 100); j++) lines.push(storedEvent(j, now))
    entries.push([`${time}.backlg.${seq.toString(36).padStart(6, '0')}`, lines.join('\n')])
  }
  await setMany(entries, db)
}

/** Builds `n` small cells that all fit in the viewport at once. */
function buildCells(n) {
  const grid = document.createElement('div')
  grid.style.cssText = 'display:flex;flex-wrap:wrap;width:600px;gap:2px'
  const cells = []
  for (let i = 0; i < n; i++) {
    const cell = document.createElement('div')
    cell.style.cssText = 'width:20px;height:20px;background:#ccc'
    cell.dataset.card = 'c' + i
    grid.appendChild(cell)
    cells.push(cell)
  }
  document.body.appendChild(grid)
  return cells
}

/** The page's part of each case, with the SDK (`sdk`) or without it. */
const CASES = {
  backlog: {
    setup: ({ count }) => storeBacklog(count),
    // Loading a tracker is the whole of the page's part; the baseline does nothing.
    work: ({ sdk, endpoint }) => {
      if (sdk) tracker = window.Trackpoint.createTracker(trackerOptions(endpoint))
    },
  },
  burst: {
    setup: ({ sdk, endpoint }) => {
      if (sdk) tracker = window.Trackpoint.createTracker(trackerOptions(endpoint))
    },
    work: ({ sdk, count }) => {
      const kept = []
      for (let i = 0; i < count; i++) {
        if (sdk) tracker.track('card_click', { card_id: 'c' + i })
        // The baseline: the floor of the track() benchmark (build the event, keep it).
        else kept.push({ event_id: crypto.randomUUID(), timestamp: Date.now(), card_id: 'c' + i })
      }
      return kept.length
    },
  },
  impressions: {
    setup: ({ sdk, endpoint }) => {
      if (sdk) tracker = window.Trackpoint.createTracker(trackerOptions(endpoint))
    },
    work: ({ sdk, count }) => {
      const cells = buildCells(count)
      if (!sdk) return
      for (const cell of cells) {
        const card = cell.dataset.card
        window.Trackpoint.observeImpression(cell, () =>
          tracker.track('card_click', { card_id: card }),
        )
      }
    },
  },
}

window.lt = {
  setup: (options) => inTask(() => CASES[options.case].setup(options)),
  /** Runs the page's work in one task between two marks; resolves with its times (ms). */
  work: (options) =>
    inTask(() => {
      performance.mark('lt:work-start')
      const start = performance.now()
      CASES[options.case].work(options)
      const end = performance.now()
      performance.mark('lt:work-end')
      work = { start, end }
      return work
    }),
  /** The work window and every long task seen. */
  result: () => ({ work, longTasks }),
}
