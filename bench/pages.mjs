// Builds the browser side of the track() benchmark into one directory for the static server:
// a page per subject and its bundle (esbuild, minified like a production build).
import { build } from 'esbuild'
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './paths.mjs'

const TRACKPOINT_CDN = join(ROOT, 'packages/core/dist/trackpoint.min.js')
const TRACKPOINT_ESM = join(ROOT, 'packages/core/dist/index.mjs')

const page = (scripts) =>
  `<!doctype html>\n<meta charset="utf-8">\n<title>bench</title>\n${scripts
    .map((src) => `<script src="/${src}"></script>`)
    .join('\n')}\n`

/**
 * Writes `<name>.html` and its scripts into `dir` for each subject. Trackpoint is loaded from its
 * CDN file; `trackpoint-profile` loads an unminified bundle of the same ESM build instead, so a
 * CPU profile shows real function names.
 */
export async function buildPages(dir, subjects) {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const entries = [...new Set(subjects.map((s) => s.entry))]
  await build({
    entryPoints: Object.fromEntries(
      entries.map((e) => [`subject-${e}`, join(ROOT, `bench/subjects/${e}.js`)]),
    ),
    outdir: dir,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  })
  const needsTrackpoint = subjects.some((s) => s.entry === 'trackpoint')
  if (needsTrackpoint) {
    if (!existsSync(TRACKPOINT_CDN)) {
      throw new Error(
        `${TRACKPOINT_CDN} is missing: run \`npm run build\` first (or pass --subjects without trackpoint).`,
      )
    }
    await copyFile(TRACKPOINT_CDN, join(dir, 'trackpoint.min.js'))
    if (existsSync(`${TRACKPOINT_CDN}.map`)) {
      await copyFile(`${TRACKPOINT_CDN}.map`, join(dir, 'trackpoint.min.js.map'))
    }
    // The profiled page's harness is unminified too, so samples inside `loop` can be told apart.
    await build({
      entryPoints: { 'subject-trackpoint-profile': join(ROOT, 'bench/subjects/trackpoint.js') },
      outdir: dir,
      bundle: true,
      format: 'iife',
      platform: 'browser',
      logLevel: 'error',
    })
    await build({
      entryPoints: [TRACKPOINT_ESM],
      outfile: join(dir, 'trackpoint.profile.js'),
      bundle: true,
      minify: false,
      format: 'iife',
      globalName: 'Trackpoint',
      platform: 'browser',
      logLevel: 'error',
    })
  }
  for (const s of subjects) {
    const scripts =
      s.name === 'trackpoint-profile'
        ? ['trackpoint.profile.js', 'subject-trackpoint-profile.js']
        : [...(s.entry === 'trackpoint' ? ['trackpoint.min.js'] : []), `subject-${s.entry}.js`]
    await writeFile(join(dir, `${s.name}.html`), page(scripts))
  }
}
