// Builds examples/next as a static site (NEXT_OUTPUT=export → examples/next/out) for
// `npm start`, which serves it at /next/ — only when its sources or the packages it uses
// changed since the last build: `next build` takes half a minute to a minute here, the
// rest of `npm start` a few seconds.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runOk } from './packages/run.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const example = join(root, 'examples', 'next')
const stamp = join(example, 'out', '.inputs-sha256')

/** What the build reads: the example's own files and the built packages it installs. */
const INPUTS = [
  example,
  ...['schema', 'core', 'react'].map((p) => join(root, 'packages', p, 'dist')),
]
const SKIPPED = new Set(['node_modules', '.next', 'out', 'next-env.d.ts', 'tsconfig.tsbuildinfo'])

/** @param {string} dir @returns {string[]} */
const filesUnder = (dir) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !SKIPPED.has(entry.name))
    .flatMap((entry) =>
      entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
    )

/** sha256 over every input's path and content, in a stable order. */
const inputsHash = () => {
  const hash = createHash('sha256')
  for (const file of INPUTS.flatMap(filesUnder).sort()) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex')
}

const current = inputsHash()
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === current) {
  console.log('examples/next: up to date (examples/next/out)')
} else {
  console.log('examples/next: next build (static export to examples/next/out) …')
  const started = Date.now()
  await runOk('npm', ['run', 'build', '-w', '@trackpoint/example-next'], {
    cwd: root,
    env: { NEXT_OUTPUT: 'export', NEXT_TELEMETRY_DISABLED: '1' },
    timeoutMs: 600_000,
  })
  writeFileSync(stamp, current)
  console.log(`examples/next: built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
