// `npm run test:packages` (part of `npm test`, after `npm run build`): the packages as a new
// user gets them. Packs each package, lints the tarballs (publint, Are the Types Wrong), then
// installs them — the tarballs, not the workspace — into small apps outside the repository
// and checks each one:
//
//   test/consumers/vite-ts   Vite + TypeScript (React and Vue): type-checks under `bundler`
//                            and `node16` resolution, the plan's mistakes are compile errors
//                            (asserted line by line), `vite build` succeeds
//   test/consumers/node-cjs  CommonJS Node: requires @trackpoint/schema's validator with types
//   examples/next            Next.js App Router: `next build`, `next start`, Chromium; the
//                            events reach a test collector
//
// and, last, that `npm start` serves the same example's static export at /next/ with its
// events reaching the embedded backend (scripts/buildNextExample.mjs, scripts/devServer.mjs).
//
// Prints each step's time. KEEP_CONSUMERS=1 keeps the temporary folder for a look afterwards.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkNextApp } from './packages/checkNextApp.mjs'
import { checkNodeCjs } from './packages/checkNodeCjs.mjs'
import { checkStartExample } from './packages/checkStartExample.mjs'
import { checkViteTs } from './packages/checkViteTs.mjs'
import { installApp } from './packages/installApp.mjs'
import { lintTarballs } from './packages/lintTarballs.mjs'
import { packTarballs } from './packages/packTarballs.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'trackpoint-packages-'))

/**
 * Runs one step, prints its time and failures, and returns the failures.
 * @param {string} name
 * @param {() => Promise<string[]>} step
 */
const timed = async (name, step) => {
  const started = Date.now()
  let failures
  try {
    failures = await step()
  } catch (error) {
    failures = [error instanceof Error ? error.message : String(error)]
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  console.log(`${failures.length ? 'FAIL' : 'ok  '} ${seconds.padStart(6)} s  ${name}`)
  for (const failure of failures) console.log(`\n${failure}\n`)
  return failures
}

const main = async () => {
  const started = Date.now()
  /** @type {Record<string, string>} */
  let tarballs = {}
  const failures = await timed('npm pack', async () => {
    tarballs = await packTarballs(root, work)
    return []
  })
  if (failures.length) return failures
  failures.push(
    ...(await timed('publint + attw on each tarball', () => lintTarballs(tarballs, root))),
  )

  const apps = join(work, 'apps')
  /** @type {[string, string, (dir: string) => Promise<string[]>][]} */
  const consumers = [
    ['vite-ts', 'test/consumers/vite-ts', checkViteTs],
    ['node-cjs', 'test/consumers/node-cjs', checkNodeCjs],
    [
      'next',
      'examples/next',
      async (dir) => {
        const { failures: found, buildMs } = await checkNextApp(dir)
        console.log(`       next build took ${(buildMs / 1000).toFixed(1)} s`)
        return found
      },
    ],
  ]
  for (const [name, source, check] of consumers) {
    /** @type {string | undefined} */
    let dir
    const installed = await timed(`${name}: npm install of the tarballs`, async () => {
      dir = await installApp(join(root, source), apps, tarballs)
      return []
    })
    failures.push(...installed)
    if (dir)
      failures.push(...(await timed(`${name}: checks`, () => check(/** @type {string} */ (dir)))))
  }
  failures.push(
    ...(await timed('npm start: examples/next at /next/ (static export, embedded backend)', () =>
      checkStartExample(root, join(work, 'data')),
    )),
  )
  console.log(
    `${failures.length ? 'FAILED' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  return failures
}

main()
  .then((failures) => {
    if (process.env.KEEP_CONSUMERS) console.log(`kept ${work}`)
    else rmSync(work, { recursive: true, force: true })
    process.exit(failures.length ? 1 : 0)
  })
  .catch((error) => {
    console.error(error)
    process.exit(1)
  })
