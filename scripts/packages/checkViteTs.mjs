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
  // vue-tsc is tsc with .vue files: `v-impression` and `v-track` values are checked too. One run
  // per mode checks the app (src/, which must have no error) with the mistakes beside it (each
  // marked line must have its error); both modes at once, one per core.
  const vueTsc = join(dir, 'node_modules/.bin/vue-tsc')
  const runs = await Promise.all(
    MODES.map((mode) =>
      run(vueTsc, ['--noEmit', '--pretty', 'false', '-p', `mistakes/tsconfig.${mode}.json`], {
        cwd: dir,
      }),
    ),
  )
  runs.forEach((result, i) => {
    const problems = compareMistakes(result.output, join(dir, 'mistakes'), 'mistakes/')
    if (result.code === 0) problems.unshift('the mistakes compiled without an error')
    if (problems.length) {
      failures.push(`vite-ts: types (${MODES[i]}):\n  ${problems.join('\n  ')}`)
    }
  })
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
