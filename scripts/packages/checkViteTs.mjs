// The Vite + TypeScript consumer (test/consumers/vite-ts): types under `bundler` and `node16`
// resolution, the plan's mistakes as compile errors, and a production build.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { compareMistakes } from './expectMistakes.mjs'
import { run } from './run.mjs'

/** The resolution modes a new app may use: a bundler's, and Node's own for ESM. */
const MODES = ['bundler', 'node16']

/**
 * Checks the installed app in `dir`; returns one message per failure.
 * @param {string} dir
 * @returns {Promise<string[]>}
 */
export async function checkViteTs(dir) {
  const failures = []
  // vue-tsc is tsc with .vue files: `v-impression` and `v-track` values are checked too.
  const vueTsc = join(dir, 'node_modules/.bin/vue-tsc')
  for (const mode of MODES) {
    const clean = await run(
      vueTsc,
      ['--noEmit', '--pretty', 'false', '-p', `tsconfig.${mode}.json`],
      {
        cwd: dir,
      },
    )
    if (clean.code !== 0)
      failures.push(`vite-ts: the app does not type-check (${mode}):\n${clean.output}`)
    const mistakes = await run(
      vueTsc,
      ['--noEmit', '--pretty', 'false', '-p', `mistakes/tsconfig.${mode}.json`],
      { cwd: dir },
    )
    const problems = compareMistakes(mistakes.output, join(dir, 'mistakes'), 'mistakes/')
    if (mistakes.code === 0) problems.unshift('the mistakes compiled without an error')
    if (problems.length) failures.push(`vite-ts: mistakes (${mode}):\n  ${problems.join('\n  ')}`)
  }
  const build = await run(join(dir, 'node_modules/.bin/vite'), ['build'], { cwd: dir })
  if (build.code !== 0 || !existsSync(join(dir, 'dist/index.html'))) {
    failures.push(`vite-ts: vite build failed:\n${build.output}`)
  } else if (
    !readdirSync(join(dir, 'dist/assets')).some((f) => /^trackpoint\.min-.*\.js$/.test(f))
  ) {
    // `import url from '@trackpoint/core/trackpoint.min.js?url'` (the subpath export) emits it.
    failures.push('vite-ts: the build has no copy of trackpoint.min.js')
  }
  return failures
}
