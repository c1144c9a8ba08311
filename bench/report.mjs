// Renders the results of bench/run.mjs as docs/benchmarks.md.

const us = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(2)) : '–')
const times = (x) => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×` : '–')
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
const pct = (x) => `${(x * 100).toFixed(1)}%`
const table = (head, rows, align = 'right') =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map((h, i) => (i === 0 || align === 'left' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')

function sizesSection({ rows, cdn, budgetGzip }) {
  const tp = rows.find((r) => r.name === 'trackpoint')
  const lines = [
    '## Sizes vs peers',
    '',
    'Entry per SDK: create a tracker and track one event. Bundled with esbuild',
    '(`--bundle --minify --format=esm`, browser platform, as an app would), gzip at level 9',
    '(`node:zlib`). "Whole" inlines dynamic imports: everything the package can load from npm.',
    '"First chunk" is the entry chunk with code splitting on: what loads before the first event.',
    'posthog-js loads further features (recording, surveys, …) from its CDN at run time; they are',
    'not counted here.',
    '',
    table(
      ['SDK', 'version', 'whole min', 'whole min+gzip', 'first chunk min+gzip', 'chunks (split)'],
      rows.map((r) => [
        r.label,
        r.version,
        kb(r.min),
        `**${kb(r.gzip)}** (${r.gzip} B)`,
        `${kb(r.entryGzip)} (${r.entryGzip} B)`,
        String(r.chunks),
      ]),
    ),
    '',
    `CDN file \`packages/core/dist/trackpoint.min.js\`: ${kb(cdn.min)} min, **${kb(cdn.gzip)}**`,
    `(${cdn.gzip} B) min+gzip.`,
    '',
  ]
  if (tp) {
    const within = tp.gzip <= budgetGzip
    lines.push(
      `Budget for the Trackpoint entry: ${kb(budgetGzip)} (${budgetGzip} B) min+gzip, enforced by`,
      `\`npm run size\` in the test command. This run: ${tp.gzip} B, ${
        within ? 'within' : '**over**'
      } budget.`,
    )
    for (const r of rows.filter((x) => x.name !== 'trackpoint')) {
      lines.push(`${r.label} is ${(r.gzip / tp.gzip).toFixed(1)}× Trackpoint's entry.`)
    }
    lines.push('')
  }
  return lines
}

function methodSection(result) {
  const { calls, group, rounds, roundsDone, quietMs, capMs } = result.config
  return [
    '### Method',
    '',
    `- Each run is one subject on a fresh browser context and page, served from a local static`,
    `  server (cross-origin isolated, so \`performance.now()\` steps by ~5 µs instead of 100 µs).`,
    `  Every subject sends to a local sink on another 127.0.0.1 port that answers 200 at once`,
    `  with CORS and counts the \`card_click\` events it decodes (gzip, JSON, batch or single).`,
    `  Chromium resolves no host but 127.0.0.1, so no subject can reach the internet.`,
    `- Chromium is driven over a bare CDP pipe (\`bench/browser.mjs\`), not through Playwright,`,
    `  which turns the CDP Network domain on in every page and so adds work inside each`,
    `  \`fetch()\`; \`--driver=playwright\` runs the same benchmark through Playwright.`,
    `- ${calls} calls per run with distinct properties (\`{ card_id: 'c' + i }\`), in one task.`,
    `- **Sync**: each group of ${group} consecutive calls is timed with \`performance.now()\`; the`,
    `  median group time / ${group} is the median synchronous cost per call.`,
    `- **Total**: CDP \`Performance.getMetrics\` on the page, \`TaskDuration\` minus`,
    `  \`DevToolsCommandDuration\` (the harness's own CDP commands), read before the loop and after`,
    `  all deferred work: after the drain (Trackpoint \`await t.flush()\`; peers have no public`,
    `  flush and send on their own timers), once the sink has every event (or nothing arrived for`,
    `  ${quietMs / 1000} s, or ${capMs / 1000} s passed), and once the main thread is idle again`,
    `  (< 1 ms of tasks in 250 ms). An idle rate measured on the same page just before the loop`,
    `  (1 s, after setup, the subject's own timers included) times the run's wall time is`,
    `  subtracted. Divided by the number of calls. \`ScriptDuration\` is the JavaScript part; "thread`,
    `  CPU" is the same TaskDuration measured in thread CPU time (\`timeDomain: 'threadTicks'\`),`,
    `  which a busy machine inflates less.`,
    `- ${roundsDone === rounds ? `${rounds} rounds` : `${roundsDone} of ${rounds} rounds (the rest did not fit the time budget)`}, interleaved (every subject once per round, in the order of the table).`,
    `  Values are medians over rounds; a ratio is the median of the per-round ratios to the floor`,
    `  of the same round.`,
    '',
  ]
}

function costSection(result) {
  const { summary, runs, config } = result
  const rounds = [...new Set(runs.map((r) => r.round))]
  const tp = summary.find((s) => s.name === 'trackpoint')
  // Reference designs (ref-*) are not peers: they are parts of a tracker, measured alone.
  const peers = summary.filter(
    (s) => !['floor', 'trackpoint'].includes(s.name) && !s.name.startsWith('ref-'),
  )
  const timer = runs.find((r) => r.timer)?.timer
  const lines = [
    '## Main-thread cost of track() in Chromium',
    '',
    table(
      [
        'subject',
        'sync median µs/call',
        'sync ×floor',
        'total µs/call (deferred incl.)',
        'total ×floor',
        'script µs/call',
        'script ×floor',
        'thread CPU µs/call',
        `events received (of ${config.calls}, per round)`,
        'requests',
        'run wall ms',
      ],
      summary.map((s) => [
        s.label,
        us(s.syncMedianUs),
        times(s.syncRatio),
        `**${us(s.netTaskUs)}**`,
        `**${times(s.netTaskRatio)}**`,
        us(s.netScriptUs),
        times(s.netScriptRatio),
        us(s.netCpuTaskUs),
        !s.sends ? 'n/a (sends nothing)' : receivedText(s, config.calls),
        s.name === 'floor' ? '–' : String(Math.round(s.requests)),
        s.wallMs.toFixed(0),
      ]),
    ),
    '',
  ]
  if (tp) {
    const met = tp.netTaskRatio <= 2
    const peerWord = peers
      .map(
        (p) =>
          `${p.label} ${times(p.netTaskRatio)} (${times(p.netTaskUs / tp.netTaskUs)} Trackpoint)`,
      )
      .join('; ')
    lines.push(
      `**Goal** — Trackpoint's total (deferred work included) within 2× the floor: ` +
        `${times(tp.netTaskRatio)}, ${met ? 'met' : '**not met**'}.` +
        (peerWord ? ` Peers: ${peerWord}.` : ''),
      '',
    )
  }
  lines.push(
    'Total µs/call per round (idle-corrected TaskDuration), to show the spread:',
    '',
    table(
      ['subject', ...rounds.map((r) => `round ${r}`)],
      summary.map((s) => [
        s.name,
        ...rounds.map((r) => {
          const run = runs.find((x) => x.subject === s.name && x.round === r)
          return run?.error ? 'failed' : us(run?.netTaskUs)
        }),
      ]),
    ),
    '',
    'Other medians: ' +
      summary
        .map(
          (s) =>
            `${s.name}: mean sync ${us(s.syncMeanUs)} µs/call, loop-task ${us(s.loopTaskUs)} µs/call, ` +
            `idle ${s.idleTaskMsPerS.toFixed(2)} ms/s`,
        )
        .join('; ') +
      '.',
    '',
  )
  if (timer) {
    lines.push(
      `Timer: \`crossOriginIsolated\` ${timer.crossOriginIsolated}, smallest \`performance.now()\` ` +
        `step seen ${(timer.step * 1000).toFixed(1)} µs.`,
      '',
    )
  }
  const failures = summary.flatMap((s) => s.failed.map((e) => `- ${s.name}: ${e}`))
  if (failures.length) lines.push('Failed runs:', '', ...failures, '')
  const external = summary.filter((s) => s.external > 0)
  if (external.length) {
    const list = external.map((s) => `${s.name} ${s.external}`).join(', ')
    lines.push(`Requests to hosts other than 127.0.0.1 (they fail to resolve): ${list}.`, '')
  }
  return lines
}

function receivedText(s, calls) {
  const all = s.received.every((n) => n === calls) && s.unique.every((n) => n === calls)
  if (all) return `all ${calls} (${s.received.length}/${s.received.length} rounds)`
  const list = s.received
    .map((n, i) => `${n}${s.unique[i] !== n ? ` (${s.unique[i]} unique)` : ''}`)
    .join(', ')
  const cut = s.outcomes.filter((o) => o !== 'complete')
  return `**${list}**${cut.length ? ` (wait ended: ${cut.join(', ')})` : ''}`
}

function profileSection(profile) {
  const fn = (p) =>
    table(
      ['function', 'where', 'module', 'self ms', 'share'],
      p.functions
        .slice(0, 12)
        .map((f) => [`\`${f.name}\``, f.where || '–', f.module, f.selfMs.toFixed(1), pct(f.share)]),
    )
  const mod = (p) =>
    table(
      ['module', 'self ms', 'share'],
      p.modules.slice(0, 8).map((m) => [m.module, m.selfMs.toFixed(1), pct(m.share)]),
    )
  return [
    '### CPU profile of Trackpoint',
    '',
    `Why: ${profile.reason}. One extra run (not in the table above) with the CDP \`Profiler\``,
    `(50 µs sampling) on an unminified esbuild bundle of \`packages/core/dist/index.mjs\` (same code`,
    `as the CDN file, readable names), from before the loop until the page was idle again.`,
    `Samples with the harness's call loop on the stack are "inside track()"; the rest is deferred`,
    `work. \`(program)\` is native work outside any JavaScript function (Blink's loading, IPC and`,
    `IndexedDB bookkeeping on the main thread); named native entries (\`fetch\`, \`put\`, …) are`,
    `the Web API calls themselves. The profiler slows the page, so compare shares, not times.`,
    `This run: ${profile.received} events received, ${us(profile.netTaskUs)} µs/call total.`,
    '',
    `**Inside track()** (${profile.sync.totalMs.toFixed(0)} ms sampled, idle excluded):`,
    '',
    mod(profile.sync),
    '',
    fn(profile.sync),
    '',
    `**Deferred work** (${profile.deferred.totalMs.toFixed(0)} ms sampled, idle excluded):`,
    '',
    mod(profile.deferred),
    '',
    fn(profile.deferred),
    '',
  ]
}

function ablationSection({ summary, runs }, calls) {
  const base = summary.find((s) => s.name === 'trackpoint')
  const floor = summary.find((s) => s.name === 'floor')
  const send = summary.find((s) => s.name === 'floor-send')
  const bare = summary.find((s) => s.name === 'trackpoint-memory-no-gzip')
  const rounds = Math.max(0, ...runs.map((r) => r.round))
  const notes = []
  if (send && floor && base) {
    const perRequestMs = ((send.netTaskUs - floor.netTaskUs) * calls) / 1000 / send.requests
    notes.push(
      `Sending alone ("floor + send") costs ${us(send.netTaskUs - floor.netTaskUs)} µs per event`,
      `over the floor (${times(send.netTaskRatio)} the floor): ${Math.round(send.requests)} requests`,
      `at about ${perRequestMs.toFixed(2)} ms of main thread each. Trackpoint is`,
      `${times(base.netTaskUs / send.netTaskUs)} that reference${
        bare ? ` (${times(bare.netTaskUs / send.netTaskUs)} without IndexedDB and gzip)` : ''
      }.`,
      '',
    )
  }
  return [
    "### Where Trackpoint's cost goes",
    '',
    `${rounds} more interleaved rounds, measured as above; medians. "floor + send" is a reference`,
    `for the transport alone: the floor's event with Trackpoint's wire fields, and per 100 events`,
    `one \`JSON.stringify\` and one \`fetch\` POST in a later task (no persistence, gzip, signing or`,
    `retries), i.e. as many requests as Trackpoint makes. Then Trackpoint with features turned`,
    `off; "saved" is the drop in total per call against Trackpoint with its defaults.`,
    '',
    table(
      [
        'subject',
        'sync median µs/call',
        'total µs/call',
        'total ×floor',
        'saved µs/call',
        'script µs/call',
        'thread CPU µs/call',
        `events received (of ${calls})`,
        'requests',
      ],
      summary.map((s) => [
        s.label,
        us(s.syncMedianUs),
        `**${us(s.netTaskUs)}**`,
        times(s.netTaskRatio),
        s.name.startsWith('trackpoint-') && base ? us(base.netTaskUs - s.netTaskUs) : '–',
        us(s.netScriptUs),
        us(s.netCpuTaskUs),
        !s.sends ? 'n/a' : receivedText(s, calls),
        s.name === 'floor' ? '–' : String(Math.round(s.requests)),
      ]),
    ),
    '',
    ...notes,
  ]
}

function subjectsSection() {
  return [
    '### Subjects',
    '',
    '- **floor**: `events.push({ event_id: crypto.randomUUID(), event_name, timestamp: Date.now(), properties })`.',
    '- **Trackpoint**: `packages/core/dist/trackpoint.min.js` as shipped (IIFE, global `Trackpoint`),',
    "  `createTracker({ endpoint, appId: 'bench', secret: 's', rateLimitPerSecond: 1e9, debounceMs: 0 })`,",
    '  other options at their defaults (IndexedDB persistence, gzip, batches of 10, 5 s interval);',
    "  `t.track('card_click', { card_id: 'c' + i })`; drained with `await t.flush()`.",
    '- **@segment/analytics-next**: `AnalyticsBrowser.load` with `cdnSettings` given inline (no settings',
    '  fetch) and the `Segment.io` destination pointed at the sink (`apiHost`, `protocol: http`).',
    '  Default delivery sends one request per event; the batching row uses',
    "  `deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 5000 } }` (opt-in, see",
    "  below), the same policy as Trackpoint's defaults. Client persistence (localStorage and",
    '  cookies) on, as by default.',
    '- **posthog-js**: `posthog.init` with `api_host` = sink; autocapture, pageview/pageleave,',
    '  heatmaps, dead clicks, exceptions, web vitals, session recording, surveys, web experiments,',
    '  product tours, conversations, flags (`advanced_disable_flags`) and external script loading',
    '  off; its client rate limit raised to 1e9/s (like Trackpoint) and its bot filter off (the',
    '  harness is headless); default persistence (localStorage + cookie), batching (3 s) and gzip.',
    "- Segment's batching delivery is not run by default: its dispatcher re-serialises its whole",
    '  buffer on every event (`approachingTrackingAPILimit(buffer)` in `batched-dispatcher.js`),',
    '  which is quadratic in a burst of 10,000 calls and does not fit the time budget',
    '  (`node bench/run.mjs --subjects=segment-batching` runs it).',
    '- Every bundle is built by esbuild (minified IIFE, browser platform) from `bench/subjects/`.',
    '',
  ]
}

/** The Markdown of docs/benchmarks.md. */
export function renderReport(result) {
  const m = result.machine
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by bench/run.mjs. Do not edit by hand: rerun `npm run bench`. -->',
    '',
    `Produced by \`${result.command}\` on ${result.date} (run took ${result.durationS.toFixed(0)} s).`,
    '',
    '## Machine',
    '',
    table(
      ['fact', 'value'],
      [
        ['nproc', m.nproc],
        ['CPU', m.cpu],
        ['memory', `${m.memGiB} GiB`],
        ['OS', m.os],
        ['Node', m.node],
        ['Chromium', `${m.chromium} (Debian, headless)`],
        [
          'driver',
          m.driver === 'cdp'
            ? 'bare CDP over `--remote-debugging-pipe` (bench/browser.mjs)'
            : 'Playwright (playwright-core)',
        ],
        ['load average at start', m.load],
        ...Object.entries(result.versions).map(([k, v]) => [k, v]),
      ],
      'left',
    ),
    '',
    'The machine is shared and noisy: compare ratios measured side by side in the same run, not',
    'absolute numbers across runs.',
    '',
  ]
  if (result.sizes) lines.push(...sizesSection(result.sizes))
  lines.push(...costSection(result), ...methodSection(result), ...subjectsSection())
  if (result.ablation) lines.push(...ablationSection(result.ablation, result.config.calls))
  if (result.profile) lines.push(...profileSection(result.profile))
  if (result.longTasks) {
    const { before, ...measured } = result.longTasks
    lines.push(
      ...longTasksSection(
        {
          ...measured,
          command: result.command,
          date: result.date,
          commit: result.commit,
          chromium: result.machine.chromium,
          load: result.machine.load,
        },
        before,
      ),
    )
  }
  return lines.join('\n')
}

const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–')

/** One table of the long-task benchmark's summary. */
function longTaskTable(summary, goalMs) {
  return table(
    [
      'case',
      'SDK: longest task after the page’s work, ms (median; max of rounds)',
      'its thread CPU, ms',
      `SDK: tasks > ${goalMs} ms (longtask API; longest)`,
      'baseline without the SDK: longest task after, ms',
      'page’s work task, ms: with SDK / baseline',
      'events received',
      `goal: median ≤ ${goalMs} ms`,
    ],
    summary.map((s) => [
      s.label,
      `**${ms(s.sdk.longestAfterMs)}** (${ms(s.sdk.longestAfterMaxMs)})`,
      ms(s.sdk.longestAfterCpuMs),
      `${s.sdk.longTasksAfter} (${s.sdk.longTaskAfterMaxMs ? ms(s.sdk.longTaskAfterMaxMs) : '–'})`,
      ms(s.baseline.longestAfterMs),
      `${ms(s.sdk.workTaskMs)} / ${ms(s.baseline.workTaskMs)}`,
      s.sdk.received.every((n) => n === s.count)
        ? `all ${s.count} (${s.sdk.rounds}/${s.sdk.rounds} rounds)`
        : `**${s.sdk.received.join(', ')}** of ${s.count}`,
      s.sdk.longestAfterMs <= goalMs ? 'met' : '**not met**',
    ]),
  )
}

/** The long-task section (bench/longTasks.mjs), with the numbers before the chunking if given. */
export function longTasksSection(result, before) {
  const lines = [
    LONG_TASKS_START,
    `## Main thread under pressure (${result.throttle}× CPU throttling)`,
    '',
    `Produced by \`${result.command}\` on ${result.date} (commit ${result.commit}, Chromium`,
    `${result.chromium}, load average ${result.load}).`,
    '',
    longTaskTable(result.summary, result.goalMs),
    '',
    '- Chromium with `Emulation.setCPUThrottlingRate` 4 from just before the page’s work to the end.',
    '  Each case runs on a fresh browser context, with the SDK (`trackpoint.min.js`,',
    "  `createTracker({ appId: 'bench', secret: 's', rateLimitPerSecond: 1e9, debounceMs: 0 })`, the",
    '  rest at its defaults, sending to the local sink) and as a baseline page doing the same work',
    '  without it, interleaved; values are medians over rounds, "max" the worst round. The goal is',
    "  judged on the median: on this shared machine one round's wall time can include time the OS",
    '  gave other processes, which the thread CPU time of the same task shows.',
    '- The page’s own work is one task between two `performance.mark`s: loading a tracker (the',
    '  baseline does nothing); the 1,000-call loop (baseline: the floor of the track() benchmark);',
    '  building 200 20×20 px cells in view and observing each with `observeImpression`, whose',
    '  callback tracks one event (baseline: the cells only). Every task after it is deferred work,',
    "  the SDK's where the baseline shows none that long; the SDK's synchronous part is inside the",
    '  work task (compare with the baseline).',
    '- The backlog: 10,000 events written to IndexedDB before the tracker exists, the way',
    '  `eventQueue.ts` stores them (segments of 100 events, one string per key, JSON one per line).',
    '  An SDK run ends when the sink has every event, plus 1.5 s; a baseline run after 2.5 s.',
    '- Tasks are read from a CDP trace of the renderer main thread (`RunTask`, every task; the',
    '  tracing itself adds a little to each) and from a `PerformanceObserver` of `longtask` entries',
    '  (only tasks over 50 ms) in the page. "Thread CPU" is the trace\'s thread time of that task',
    "  (median): a busy machine stretches a task's wall time, much less its CPU time.",
    '',
  ]
  if (before) {
    lines.push(
      `**Before the chunking** (commit ${before.commit}, \`${before.command}\` on ${before.date}):`,
      '',
      longTaskTable(before.summary, before.goalMs),
      '',
    )
  }
  const failures = result.summary.flatMap((s) => s.failed.map((e) => `- ${s.name}: ${e}`))
  if (failures.length) lines.push('Failed runs:', '', ...failures, '')
  lines.push(LONG_TASKS_END)
  return lines
}

const LONG_TASKS_START = '<!-- long-tasks:start (bench/longTasks.mjs) -->'
const LONG_TASKS_END = '<!-- long-tasks:end -->'

/** Replaces the long-task section of a rendered report (or appends it). */
export function replaceLongTaskSection(markdown, result, before) {
  const section = longTasksSection(result, before).join('\n')
  const start = markdown.indexOf(LONG_TASKS_START)
  const end = markdown.indexOf(LONG_TASKS_END)
  if (start < 0 || end < start) return `${markdown.trimEnd()}\n\n${section}\n`
  return markdown.slice(0, start) + section + markdown.slice(end + LONG_TASKS_END.length)
}
