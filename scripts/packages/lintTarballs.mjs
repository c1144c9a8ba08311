// publint and Are the Types Wrong (attw) on each packed tarball: no error, no warning.
import { fileURLToPath } from 'node:url'
import { run } from './run.mjs'

const bin = (name) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url))

/**
 * Entry points attw cannot judge, by package. `@trackpoint/core/trackpoint.min.js` is the CDN
 * script (an IIFE that defines the global `Trackpoint`), exported so that an app can find the
 * file to self-host it (`require.resolve`, Vite's `?url`); it is not a module to import, so it
 * has no types for attw to find (docs/decisions.md, "Packages").
 */
const NOT_MODULES = { '@trackpoint/core': ['./trackpoint.min.js'] }

/**
 * Lints every tarball; returns one message per tool and package that failed.
 * @param {Record<string, string>} tarballs package name → tarball path
 * @param {string} cwd
 * @returns {Promise<string[]>}
 */
export async function lintTarballs(tarballs, cwd) {
  const failures = []
  for (const [name, tarball] of Object.entries(tarballs)) {
    // --strict: publint's warnings (a `types` condition shared by import and require, a
    // missing file) fail the check too.
    const publint = await run(bin('publint'), ['run', tarball, '--strict'], { cwd })
    if (publint.code !== 0) failures.push(`publint ${name}:\n${publint.output}`)
    const exclude = NOT_MODULES[name] ?? []
    const attw = await run(
      bin('attw'),
      [
        tarball,
        '--format',
        'table-flipped',
        // Every resolution mode the package claims: node10 (main/types), node16 from CJS and
        // from ESM, bundler.
        '--profile',
        'strict',
        ...(exclude.length ? ['--exclude-entrypoints', ...exclude] : []),
      ],
      { cwd, env: { NO_COLOR: '1', FORCE_COLOR: '0' } },
    )
    if (attw.code !== 0) failures.push(`attw ${name}:\n${attw.output}`)
  }
  return failures
}
