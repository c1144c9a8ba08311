// The CommonJS Node consumer (test/consumers/node-cjs): `require('@trackpoint/schema')` with
// types (the package's `require` condition and index.d.cts), compiled by tsc and run.
import { join } from 'node:path'
import { run } from './run.mjs'

/**
 * Checks the installed app in `dir`; returns one message per failure.
 * @param {string} dir
 * @returns {Promise<string[]>}
 */
export async function checkNodeCjs(dir) {
  const tsc = await run(join(dir, 'node_modules/.bin/tsc'), ['--pretty', 'false', '-p', '.'], {
    cwd: dir,
  })
  if (tsc.code !== 0) return [`node-cjs: tsc failed:\n${tsc.output}`]
  const script = await run(process.execPath, ['out/validate.js'], { cwd: dir, timeoutMs: 30_000 })
  const expected = '{"valid":false,"field":"properties.delivery_id","second":true}'
  if (script.code !== 0 || script.output.trim() !== expected) {
    return [`node-cjs: expected ${expected}, got (exit ${script.code}):\n${script.output}`]
  }
  return []
}
