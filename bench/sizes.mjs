// Benchmark 2: what each SDK adds to an app. An entry that creates a tracker and tracks one event
// is bundled with esbuild (--bundle --minify --format=esm, browser platform) and gzipped at
// level 9. Bundled once as one file (dynamic imports inlined: everything the SDK can load from
// npm) and once with code splitting (the entry chunk: what loads before the first event).
// Same esbuild settings as scripts/checkSize.mjs, which enforces Trackpoint's budget.
import { budgets } from '../scripts/checkSize.mjs'
import { build } from 'esbuild'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { ROOT } from './paths.mjs'

const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length

/** Entries: the same job for every SDK — create a tracker, track one event. */
export const SIZE_ENTRIES = [
  {
    name: 'trackpoint',
    label: 'Trackpoint (`@trackpoint/core`)',
    pkg: '@trackpoint/core',
    code: `import { createTracker } from '@trackpoint/core'
const tracker = createTracker({ endpoint: 'https://collect.example.com', appId: 'app', secret: 's' })
tracker.track('card_click', { card_id: 'c1' })
`,
  },
  {
    name: 'segment',
    label: '@segment/analytics-next',
    pkg: '@segment/analytics-next',
    code: `import { AnalyticsBrowser } from '@segment/analytics-next'
const analytics = AnalyticsBrowser.load({ writeKey: 'key' })
analytics.track('card_click', { card_id: 'c1' })
`,
  },
  {
    name: 'posthog',
    label: 'posthog-js',
    pkg: 'posthog-js',
    code: `import posthog from 'posthog-js'
posthog.init('phc_key', { api_host: 'https://ph.example.com' })
posthog.capture('card_click', { card_id: 'c1' })
`,
  },
  {
    name: 'snowplow',
    label: '@snowplow/browser-tracker',
    pkg: '@snowplow/browser-tracker',
    optional: true,
    code: `import { newTracker, trackSelfDescribingEvent } from '@snowplow/browser-tracker'
newTracker('sp', 'https://collect.example.com', { appId: 'app' })
trackSelfDescribingEvent({ event: { schema: 'iglu:com.example/card_click/jsonschema/1-0-0', data: { card_id: 'c1' } } })
`,
  },
]

const version = async (pkg) => {
  const file = join(ROOT, 'node_modules', pkg, 'package.json')
  return existsSync(file) ? JSON.parse(await readFile(file, 'utf8')).version : undefined
}

const common = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  define: { 'process.env.NODE_ENV': '"production"' },
  write: false,
  logLevel: 'silent',
  // Entries live in a temp dir: resolve packages from the repository's node_modules.
  nodePaths: [join(ROOT, 'node_modules')],
  // And as an app does: the repository's tsconfig maps `@trackpoint/*` to the sources, which
  // esbuild would otherwise apply to imports inside packages/*/dist (scripts/checkSize.mjs).
  tsconfigRaw: '{}',
}

/** Bundles one entry; returns min and gzip bytes whole and of the entry chunk when split. */
async function measure(dir, entry) {
  const file = join(dir, `${entry.name}.js`)
  await writeFile(file, entry.code)
  const single = await build({
    ...common,
    entryPoints: [file],
    outfile: join(dir, 'out', entry.name),
  })
  const code = single.outputFiles.find((f) => f.path.endsWith('.js') || !f.path.endsWith('.map'))
  const split = await build({
    ...common,
    entryPoints: [file],
    outdir: join(dir, 'split', entry.name),
    splitting: true,
  })
  const js = split.outputFiles.filter((f) => f.path.endsWith('.js'))
  const main = js.find((f) => f.path.endsWith(`/${entry.name}.js`))
  return {
    min: code.contents.length,
    gzip: gzip(code.contents),
    entryMin: main.contents.length,
    entryGzip: gzip(main.contents),
    chunks: js.length,
  }
}

/** Runs the size benchmark; skips optional SDKs that are not installed. */
export async function runSizes(dir) {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const rows = []
  for (const entry of SIZE_ENTRIES) {
    const v = await version(entry.pkg)
    if (!v) {
      if (entry.optional) continue
      throw new Error(`${entry.pkg} is not installed (needed for the size benchmark)`)
    }
    rows.push({ name: entry.name, label: entry.label, version: v, ...(await measure(dir, entry)) })
  }
  const cdn = join(ROOT, 'packages/core/dist/trackpoint.min.js')
  if (!existsSync(cdn)) throw new Error(`${cdn} is missing: run \`npm run build\` first`)
  const bytes = await readFile(cdn)
  return { rows, cdn: { min: bytes.length, gzip: gzip(bytes) }, budgetGzip: budgets[0].budget }
}
