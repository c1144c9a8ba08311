// Benchmark 1: main-thread cost of track() in Chromium, per subject on a fresh page.
//
// Per run: load the subject's page, set it up, let it go idle, measure an idle window, then
// call it `calls` times in one task (timing groups of calls with performance.now()), drain,
// wait until the sink has every event (or goes quiet), let the page go idle again, and read the
// renderer main thread's TaskDuration / ScriptDuration from CDP before and after.
import { median, sleep } from './stats.mjs'

/** Subjects of the track() benchmark, in the order of a round. */
export const SUBJECTS = [
  { name: 'floor', entry: 'floor', sends: false, label: 'floor (build event, push to array)' },
  { name: 'trackpoint', entry: 'trackpoint', sends: true, label: 'Trackpoint (trackpoint.min.js)' },
  {
    name: 'segment',
    entry: 'segment',
    sends: true,
    options: { batching: false },
    label: '@segment/analytics-next (default delivery)',
  },
  { name: 'posthog', entry: 'posthog', sends: true, label: 'posthog-js' },
  // Reference designs (bench/subjects/reference.js), not run by default: the cost of each part
  // of a tracker's work on its own, for the design decisions in docs/decisions.md.
  ...[
    ['v7', false, 'floor with a UUID v7 from core instead of crypto.randomUUID()'],
    ['handoff', false, 'floor + JSON hand-off to a dedicated worker, once per task'],
    ['worker-fetch', true, 'hand-off; the dedicated worker POSTs 100 per request'],
    ['shared-fetch', true, 'hand-off; a SharedWorker POSTs 100 per request'],
    ['worker-idb', true, 'hand-off; the dedicated worker stores, POSTs, deletes per 100'],
    ['shared-idb', true, 'hand-off; a SharedWorker stores, POSTs, deletes per 100'],
  ].map(([design, sends, label]) => ({
    name: `ref-${design}`,
    entry: 'reference',
    sends,
    optIn: true,
    options: { design },
    label,
  })),
  // Not run by default: its batching dispatcher re-serialises the whole buffer on every event
  // (`approachingTrackingAPILimit(buffer)` in batched-dispatcher.js), quadratic in a burst of
  // 10,000 calls, far past the time budget. `--subjects=segment-batching` runs it.
  {
    name: 'segment-batching',
    entry: 'segment',
    sends: true,
    optIn: true,
    options: { batching: true },
    label: '@segment/analytics-next (batching 10 / 5 s)',
  },
]

/**
 * The diagnosis of Trackpoint's cost, run only when it is above 2× the floor (or with
 * --profile): a transport reference (the floor plus one fetch per 100 events), then Trackpoint
 * with one feature turned off at a time.
 */
export const ABLATION_SUBJECTS = [
  {
    name: 'floor-send',
    entry: 'floorSend',
    sends: true,
    label: 'floor + send (one JSON.stringify + fetch per 100 events)',
  },
].concat(
  [
    ['no-gzip', { compress: false }],
    ['memory', { persist: false }],
    ['memory-no-gzip', { persist: false, compress: false }],
    // How much of the cost is per request: 10 requests of 1,000 events instead of 100 of 100.
    ['big-batches', { maxBatchEvents: 1000, maxBatchBytes: 512_000 }],
  ].map(([suffix, overrides]) => ({
    name: `trackpoint-${suffix}`,
    entry: 'trackpoint',
    sends: true,
    options: { overrides },
    label: `Trackpoint, ${Object.entries(overrides)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}`,
  })),
)

/** The Trackpoint run used for the CPU profile (unminified bundle of the same ESM build). */
export const PROFILE_SUBJECT = {
  name: 'trackpoint-profile',
  entry: 'trackpoint',
  sends: true,
  label: 'Trackpoint (unminified, profiled)',
}

const IDLE_WINDOW_MS = 1000
const SETTLE = { windowMs: 250, busyMs: 1, maxMs: 5000 }

const withTimeout = (promise, ms, what) => {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Reads the cumulative main-thread metrics (ms) of both CDP sessions. */
async function readMetrics({ wall, cpu }) {
  const [w, c] = await Promise.all([
    wall.send('Performance.getMetrics'),
    cpu.send('Performance.getMetrics'),
  ])
  const pick = (m, name) => (m.metrics.find((x) => x.name === name)?.value ?? NaN) * 1000
  // Tasks of the page only: the harness's own DevTools commands (evaluate, getMetrics) are left out.
  const pageTasks = (m) => pick(m, 'TaskDuration') - pick(m, 'DevToolsCommandDuration')
  return {
    at: performance.now(),
    task: pageTasks(w),
    script: pick(w, 'ScriptDuration'),
    cpuTask: pageTasks(c),
  }
}

/** Waits until the main thread is (nearly) idle for one window; returns the last reading. */
async function settle(sessions) {
  const start = performance.now()
  let prev = await readMetrics(sessions)
  while (performance.now() - start < SETTLE.maxMs) {
    await sleep(SETTLE.windowMs)
    const cur = await readMetrics(sessions)
    if (cur.task - prev.task < SETTLE.busyMs) return cur
    prev = cur
  }
  return prev
}

/**
 * Waits until the sink has `calls` events under `tag`; or until nothing new arrived for `quietMs`
 * while the page's main thread was idle too (a busy page may still send); or `capMs` passed.
 */
async function waitForSink(sink, tag, calls, sessions, { quietMs, capMs }) {
  const start = performance.now()
  let last = -1
  let lastChange = start
  let lastBusy = start
  let prev = await readMetrics(sessions)
  for (;;) {
    await sleep(250)
    const s = sink.stats(tag)
    const cur = await readMetrics(sessions)
    const now = cur.at
    if (s.events >= calls) return { ...s, outcome: 'complete', waitedMs: now - start }
    if (s.events !== last) {
      last = s.events
      lastChange = now
    }
    if (cur.task - prev.task > 0.1 * (cur.at - prev.at)) lastBusy = now
    prev = cur
    if (now - Math.max(lastChange, lastBusy) > quietMs) {
      return { ...s, outcome: 'quiet', waitedMs: now - start }
    }
    if (now - start > capMs) return { ...s, outcome: 'timeout', waitedMs: now - start }
  }
}

const delta = (a, b) => ({
  task: b.task - a.task,
  script: b.script - a.script,
  cpuTask: b.cpuTask - a.cpuTask,
})

/**
 * One run of one subject on a fresh browser context. Returns a record of per-call costs in µs.
 * With `profile`, also returns a CPU profile (`cpuProfile`) from before the loop to the end.
 */
export async function runOnce(env, subject, tag, { profile = false } = {}) {
  const { browser, staticOrigin, sink, calls, group, quietMs, capMs } = env
  const endpoint = `${sink.origin}/${tag}`
  // Two sessions: one reads durations in wall time, the other in thread CPU time.
  const page = await browser.openPage(`${staticOrigin}/${subject.name}.html`, {
    sessions: 2,
    ready: "document.readyState === 'complete' && !!window.bench",
  })
  try {
    const sessions = { wall: page.sessions[0], cpu: page.sessions[1] }
    await sessions.wall.send('Performance.enable', { timeDomain: 'timeTicks' })
    await sessions.cpu.send('Performance.enable', { timeDomain: 'threadTicks' })
    const timer = await page.evaluate('window.bench.timer()')
    const options = JSON.stringify({ endpoint, ...subject.options })
    await withTimeout(
      page.evaluate(`window.bench.setup(${options})`),
      30_000,
      `${subject.name} setup`,
    )
    // Idle rate: what the page does on its own (its timers included) while nothing is tracked.
    const idle0 = await settle(sessions)
    await sleep(IDLE_WINDOW_MS)
    const idle1 = await readMetrics(sessions)
    const idle = delta(idle0, idle1)
    const idleMs = idle1.at - idle0.at

    const profiler = profile ? sessions.wall : undefined
    if (profiler) {
      await profiler.send('Profiler.enable')
      await profiler.send('Profiler.setSamplingInterval', { interval: 50 })
      await profiler.send('Profiler.start')
    }
    const m0 = await readMetrics(sessions)
    await withTimeout(
      page.evaluate(`window.bench.run(${calls}, ${group})`),
      120_000,
      `${subject.name} track loop`,
    )
    const mLoop = await readMetrics(sessions)
    await withTimeout(page.evaluate('window.bench.drain()'), 60_000, `${subject.name} drain`)
    const received = subject.sends
      ? await waitForSink(sink, tag, calls, sessions, { quietMs, capMs })
      : { outcome: 'n/a', events: NaN, unique: NaN, requests: 0, bytes: 0, errors: 0, paths: {} }
    const m1 = await settle(sessions)
    const cpuProfile = profiler ? (await profiler.send('Profiler.stop')).profile : undefined
    const { times, total } = await page.evaluate('window.benchResult')

    const wallMs = m1.at - m0.at
    const run = delta(m0, m1)
    const perCall = (ms) => (ms * 1000) / calls
    const idleRate = {
      task: idle.task / idleMs,
      script: idle.script / idleMs,
      cpuTask: idle.cpuTask / idleMs,
    }
    return {
      subject: subject.name,
      tag,
      timer,
      syncMedianUs: (median(times) * 1000) / group,
      syncMeanUs: perCall(total),
      loopTaskUs: perCall(mLoop.task - m0.task),
      taskUs: perCall(run.task),
      scriptUs: perCall(run.script),
      cpuTaskUs: perCall(run.cpuTask),
      netTaskUs: perCall(run.task - idleRate.task * wallMs),
      netScriptUs: perCall(run.script - idleRate.script * wallMs),
      netCpuTaskUs: perCall(run.cpuTask - idleRate.cpuTask * wallMs),
      idleTaskMsPerS: idleRate.task * 1000,
      wallMs,
      received: received.events,
      unique: received.unique,
      requests: received.requests,
      bytes: received.bytes,
      sinkOutcome: received.outcome,
      sinkErrors: received.errors,
      sinkPaths: received.paths,
      external: page.externalRequests().length,
      externalSample: page.externalRequests().slice(0, 3),
      cpuProfile,
    }
  } finally {
    await withTimeout(page.close(), 15_000, 'closing the page').catch(() => {})
  }
}

/**
 * Runs `rounds` interleaved rounds (every subject once per round, in order). A failing run is
 * recorded with its error and the round goes on. No round starts that would likely end after
 * `deadline` (a performance.now() time), judging by the longest round so far.
 */
export async function runRounds(env, subjects, rounds, deadline, log, prefix = 'r') {
  const runs = []
  let longest = 0
  for (let r = 1; r <= rounds; r++) {
    const roundStart = performance.now()
    if (r > 1 && roundStart + longest > deadline) {
      log(`  time budget reached: stopping after ${r - 1} of ${rounds} rounds`)
      break
    }
    for (const subject of subjects) {
      const tag = `${prefix}${r}-${subject.name}`
      const t0 = performance.now()
      try {
        const rec = await runOnce(env, subject, tag)
        delete rec.cpuProfile
        runs.push({ round: r, ...rec })
        log(
          `  round ${r} ${subject.name.padEnd(17)} sync ${rec.syncMedianUs.toFixed(2)} µs` +
            `  total ${rec.netTaskUs.toFixed(2)} µs/call` +
            (subject.sends ? `  received ${rec.received}` : '') +
            `  (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
        )
      } catch (error) {
        runs.push({ round: r, subject: subject.name, tag, error: String(error?.message ?? error) })
        log(`  round ${r} ${subject.name}: FAILED ${error?.message ?? error}`)
      }
    }
    longest = Math.max(longest, performance.now() - roundStart)
  }
  return runs
}

/** Medians over rounds per subject, and per-round ratios to the floor (median of the ratios). */
export function summarize(runs, subjects) {
  const ok = runs.filter((r) => !r.error)
  const floorOf = new Map(ok.filter((r) => r.subject === 'floor').map((r) => [r.round, r]))
  return subjects.map((s) => {
    const mine = ok.filter((r) => r.subject === s.name)
    const m = (key) => median(mine.map((r) => r[key]))
    const ratio = (key) =>
      median(
        mine.filter((r) => floorOf.has(r.round)).map((r) => r[key] / floorOf.get(r.round)[key]),
      )
    return {
      name: s.name,
      label: s.label,
      sends: s.sends,
      rounds: mine.length,
      failed: runs.filter((r) => r.subject === s.name && r.error).map((r) => r.error),
      syncMedianUs: m('syncMedianUs'),
      syncMeanUs: m('syncMeanUs'),
      loopTaskUs: m('loopTaskUs'),
      taskUs: m('taskUs'),
      netTaskUs: m('netTaskUs'),
      netScriptUs: m('netScriptUs'),
      netCpuTaskUs: m('netCpuTaskUs'),
      idleTaskMsPerS: m('idleTaskMsPerS'),
      wallMs: m('wallMs'),
      received: mine.map((r) => r.received),
      unique: mine.map((r) => r.unique),
      requests: m('requests'),
      bytes: m('bytes'),
      external: mine.reduce((n, r) => n + r.external, 0),
      outcomes: [...new Set(mine.map((r) => r.sinkOutcome))],
      syncRatio: ratio('syncMedianUs'),
      netTaskRatio: ratio('netTaskUs'),
      netScriptRatio: ratio('netScriptUs'),
      netTaskValues: mine.map((r) => r.netTaskUs),
    }
  })
}
