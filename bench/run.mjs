// `npm run bench`: sizes vs peers and the main-thread cost of track() in Chromium, written to
// docs/benchmarks.md. Options (after `--`):
//   --rounds=5         interleaved rounds of the track() benchmark
//   --calls=10000      track() calls per run
//   --subjects=a,b     floor,trackpoint,segment,posthog (default) and/or segment-batching
//   --profile          always take the Trackpoint CPU profile (default: only above 2× the floor)
//   --out=FILE         where to write the report (default docs/benchmarks.md)
//   --no-sizes         skip the size benchmark
//   --long-task-rounds=5  rounds of the long-task benchmark (4× CPU throttling; bench/longTasks.mjs)
//   --no-long-tasks    skip it
//   --driver=cdp       how Chromium is driven: cdp (a bare CDP pipe, default) or playwright
//                      (adds its Network instrumentation to every request; see browser.mjs)
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../scripts/chromium.mjs'
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { pipelineLagSection, replacePipelineLagSection } from './pipelineLagSection.mjs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { launchBrowser } from './browser.mjs'
import { BEFORE_FILE, buildLongTaskPages, runLongTasks } from './longTasks.mjs'
import { buildPages } from './pages.mjs'
import { ROOT, RESULTS } from './paths.mjs'
import { moduleTable, splitSelfTimes } from './profile.mjs'
import { renderReport } from './report.mjs'
import { startSink, startStaticServer } from './servers.mjs'
import { startScript } from './script.mjs'
import { runSizes } from './sizes.mjs'
import {
  ABLATION_SUBJECTS,
  PROFILE_SUBJECT,
  SUBJECTS,
  runOnce,
  runRounds,
  summarize,
} from './trackCost.mjs'

/** The whole run is bounded; past this the browser and servers are closed and the run fails. */
const DEADLINE_MS = 12 * 60_000
/** No track() round starts that would likely end later than this after the start. */
const ROUNDS_BUDGET_MS = 6.5 * 60_000
/** The same for the rounds of the Trackpoint diagnosis (ablation), which come after. */
const DIAGNOSIS_BUDGET_MS = 8 * 60_000
/** The same for the rounds of the long-task benchmark, which come last. */
const LONG_TASKS_BUDGET_MS = 11 * 60_000
const CHROMIUM_ARGS = [
  ...CHROMIUM_FLAGS,
  // No request can leave the machine: every host but 127.0.0.1 fails to resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
]

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    calls: { type: 'string', default: '10000' },
    subjects: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/benchmarks.md' },
    'no-sizes': { type: 'boolean', default: false },
    'long-task-rounds': { type: 'string', default: '5' },
    'no-long-tasks': { type: 'boolean', default: false },
    driver: { type: 'string', default: 'cdp' },
  },
})
const rounds = Number(args.rounds)
const calls = Number(args.calls)
if (!(rounds >= 1 && calls >= 10)) throw new Error('--rounds must be ≥ 1 and --calls ≥ 10')
const wanted = args.subjects?.split(',') ?? SUBJECTS.filter((s) => !s.optIn).map((s) => s.name)
const unknown = wanted.filter((n) => !SUBJECTS.some((s) => s.name === n))
if (unknown.length) throw new Error(`unknown subject(s) ${unknown.join(', ')}`)
if (!wanted.includes('floor')) wanted.unshift('floor')
const subjects = SUBJECTS.filter((s) => wanted.includes(s.name))
const withTrackpoint = subjects.some((s) => s.name === 'trackpoint')

const { started, log, cleanups, cleanup, done } = startScript('bench', DEADLINE_MS)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)))
}

const pkgVersion = async (pkg) =>
  JSON.parse(await readFile(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version

/** Names the source of a profile frame: a module of the unminified Trackpoint bundle or else. */
const frameModule = (table) => (url, line) => {
  if (url.endsWith('/trackpoint.profile.js')) return table(line)
  if (url.includes('/subject-')) return 'bench harness'
  return url ? url : '(native: V8 / Blink, GC)'
}
/** The harness's call loop on the profiled page: samples under it are inside track(). */
const isLoop = (frame) =>
  frame.functionName === 'loop' && frame.url.endsWith('/subject-trackpoint-profile.js')

async function main() {
  await mkdir(RESULTS, { recursive: true })
  // Bundles go to a temp dir, not bench/.results: ESLint would lint them there.
  const scratch = await mkdtemp(join(tmpdir(), 'trackpoint-bench-'))
  cleanups.push(() => rm(scratch, { recursive: true, force: true }))
  const machine = {
    nproc: execFileSync('nproc').toString().trim(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    os: execFileSync('uname', ['-sr']).toString().trim(),
    load: execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' '),
  }
  const versions = {
    '@segment/analytics-next': await pkgVersion('@segment/analytics-next'),
    'posthog-js': await pkgVersion('posthog-js'),
    esbuild: await pkgVersion('esbuild'),
    'playwright-core': await pkgVersion('playwright-core'),
  }

  let sizes
  if (!args['no-sizes']) {
    log('sizes: bundling entries with esbuild')
    sizes = await runSizes(join(scratch, 'sizes'))
  }

  log(`track(): building pages for ${subjects.map((s) => s.name).join(', ')}`)
  const www = join(scratch, 'www')
  await buildPages(
    www,
    withTrackpoint ? [...subjects, ...ABLATION_SUBJECTS, PROFILE_SUBJECT] : subjects,
  )
  if (!args['no-long-tasks']) await buildLongTaskPages(www)
  const site = await startStaticServer(www)
  cleanups.push(site.close)
  const sink = await startSink()
  cleanups.push(sink.close)
  const executablePath = CHROMIUM_PATH
  // Debian's wrapper script may print shell noise on stderr; the version is on stdout.
  const versionLine = execFileSync(executablePath, ['--version'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .toString()
    .trim()
  const major = /(\d+)\.\d+\.\d+\.\d+/.exec(versionLine)?.[1] ?? '0'
  const browser = await launchBrowser({
    driver: args.driver,
    executablePath,
    args: CHROMIUM_ARGS,
    // A desktop Chrome user agent: headless Chromium's own would be dropped as a bot by PostHog.
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`,
  })
  cleanups.push(() => browser.close())
  machine.chromium = browser.version
  machine.driver = args.driver
  const env = {
    browser,
    staticOrigin: site.origin,
    sink,
    calls,
    group: 10,
    // Longer than every subject's own flush timer (Trackpoint 5 s, PostHog 3 s, Segment 5 s).
    quietMs: 6_000,
    capMs: 60_000,
  }

  log(`track(): ${rounds} rounds × ${subjects.length} subjects × ${calls} calls`)
  const runs = await runRounds(env, subjects, rounds, started + ROUNDS_BUDGET_MS, log)
  const summary = summarize(runs, subjects)
  const trackpoint = summary.find((s) => s.name === 'trackpoint')

  let profile
  let ablation
  if (withTrackpoint && (args.profile || !(trackpoint?.netTaskRatio <= 2))) {
    const reason = args.profile ? 'requested with --profile' : 'Trackpoint above 2× the floor'
    const trackpointSubject = SUBJECTS.find((s) => s.name === 'trackpoint')
    const ablationSubjects = [subjects[0], trackpointSubject, ...ABLATION_SUBJECTS]
    const ablationRounds = Math.min(3, rounds)
    log(`diagnosis (${reason}): ${ablationRounds} rounds of Trackpoint with features turned off`)
    const ablationRuns = await runRounds(
      env,
      ablationSubjects,
      ablationRounds,
      started + DIAGNOSIS_BUDGET_MS,
      log,
      'a',
    )
    ablation = { runs: ablationRuns, summary: summarize(ablationRuns, ablationSubjects) }

    log('diagnosis: CPU profile of Trackpoint (unminified bundle of dist/index.mjs)')
    try {
      const rec = await runOnce(env, PROFILE_SUBJECT, 'profile-trackpoint', { profile: true })
      const table = frameModule(await moduleTable(join(www, 'trackpoint.profile.js')))
      profile = {
        reason,
        received: rec.received,
        netTaskUs: rec.netTaskUs,
        ...splitSelfTimes(rec.cpuProfile, table, isLoop),
      }
      await writeFile(join(RESULTS, 'trackpoint.cpuprofile'), JSON.stringify(rec.cpuProfile))
    } catch (error) {
      log(`diagnosis: the profiled run failed, no profile in the report: ${error?.message}`)
    }
  }

  let longTasks
  if (!args['no-long-tasks']) {
    const ltRounds = Number(args['long-task-rounds'])
    log(`long tasks: ${ltRounds} rounds × 3 cases × (SDK, baseline), CPU throttled 4×`)
    longTasks = await runLongTasks(env, {
      rounds: ltRounds,
      deadline: started + LONG_TASKS_BUDGET_MS,
      log,
    })
    longTasks.before = JSON.parse(await readFile(BEFORE_FILE, 'utf8').catch(() => 'null'))
  }

  const argv = process.argv.slice(2).join(' ')
  const command =
    process.env.npm_lifecycle_event === 'bench'
      ? `npm run bench${argv ? ` -- ${argv}` : ''}`
      : `node bench/run.mjs${argv ? ` ${argv}` : ''}`
  const result = {
    command,
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(),
    machine,
    versions,
    config: {
      rounds,
      roundsDone: Math.max(0, ...runs.map((r) => r.round)),
      calls,
      group: env.group,
      quietMs: env.quietMs,
      capMs: env.capMs,
    },
    sizes,
    runs,
    summary,
    ablation,
    profile,
    longTasks,
    durationS: (performance.now() - started) / 1000,
  }
  await writeFile(join(RESULTS, 'results.json'), JSON.stringify(result, null, 2))
  const out = resolve(ROOT, args.out)
  // bench/pipelineLag.mjs owns a section of its own in the same file: keep it.
  const kept = pipelineLagSection(await readFile(out, 'utf8').catch(() => ''))
  await writeFile(
    out,
    kept ? replacePipelineLagSection(renderReport(result), kept) : renderReport(result),
  )
  log(`wrote ${relative(ROOT, out)} and bench/.results/results.json`)
  for (const s of summary) {
    log(
      `  ${s.name.padEnd(17)} sync ${s.syncMedianUs.toFixed(2)} µs (×${s.syncRatio.toFixed(1)})` +
        `  total ${s.netTaskUs.toFixed(2)} µs/call (×${s.netTaskRatio.toFixed(1)})` +
        `  received ${!s.sends ? 'n/a' : s.received.join('/')}`,
    )
  }
}

try {
  await main()
  await cleanup()
  done()
} catch (error) {
  console.error(`bench failed: ${error?.stack ?? error}`)
  await cleanup()
  process.exit(1)
}
