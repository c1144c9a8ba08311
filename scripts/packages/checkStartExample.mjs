// `npm start` serves examples/next at /next/ (the static export), and its events reach the
// embedded backend: scripts/buildNextExample.mjs, then scripts/devServer.mjs as `npm start`
// runs it, on free ports with a throw-away data folder, and the page in Chromium.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../chromium.mjs'
import { freePort, waitFor } from './checkNextApp.mjs'
import { runOk } from './run.mjs'

/**
 * @param {string} root The repository root (built: packages, server-stub).
 * @param {string} dataDir An empty folder for the embedded backend's data.
 * @returns {Promise<string[]>} one message per failure
 */
export async function checkStartExample(root, dataDir) {
  await runOk(process.execPath, [join(root, 'scripts/buildNextExample.mjs')], {
    cwd: root,
    timeoutMs: 600_000,
  })
  const [port, examplesPort] = [await freePort(), await freePort()]
  // As `npm start` runs by default: the development app (TRACKPOINT_APPS unset).
  const env = { ...process.env }
  delete env.TRACKPOINT_APPS
  const server = spawn(process.execPath, [join(root, 'scripts/devServer.mjs')], {
    cwd: root,
    env: {
      ...env,
      PORT: String(port),
      PORT_EXAMPLES: String(examplesPort),
      TRACKPOINT_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  server.stdout.on('data', (chunk) => (output += chunk))
  server.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => server.once('exit', resolve))
  /** Events the backend accepted, from its one JSON line per request. */
  const accepted = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        try {
          return JSON.parse(line)
        } catch {
          return {}
        }
      })
      .filter((entry) => entry.method === 'POST' && entry.status === 200)
      .reduce((sum, entry) => sum + (entry.accepted ?? 0), 0)
  /** @type {import('@playwright/test').Browser | undefined} */
  let browser
  const site = `http://127.0.0.1:${examplesPort}`
  try {
    await waitFor(
      async () => {
        if (server.exitCode !== null) throw new Error(`devServer exited ${server.exitCode}`)
        return fetch(`${site}/next/`).then(
          (response) => response.ok,
          () => false,
        )
      },
      120_000,
      `${site}/next/`,
    )
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS })
    const page = await browser.newPage()
    /** @type {string[]} */
    const pageErrors = []
    page.on('pageerror', (error) => pageErrors.push(String(error)))
    await page.goto(`${site}/next/`)
    await page.getByRole('button', { name: 'Claim 100 points' }).click()
    // page_view of /, reward_claim and the impression (after 1 s in view): stay until all three
    // arrived, or leaving the page would (rightly) end the impression's count.
    await waitFor(() => accepted() >= 3, 30_000, '3 events accepted by the embedded backend')
    await page.getByRole('link', { name: 'Rewards' }).click()
    await page.waitForURL(`${site}/next/rewards/`)
    // The page view of a client-side navigation.
    await waitFor(() => accepted() >= 4, 30_000, 'the 4th event (page_view of /rewards)')
    return pageErrors.length
      ? [`npm start /next/: errors in the page:\n${pageErrors.join('\n')}`]
      : []
  } catch (error) {
    return [
      `npm start /next/: ${error instanceof Error ? error.message : String(error)}\n${output}`,
    ]
  } finally {
    await browser?.close()
    server.kill('SIGTERM')
    await exited
  }
}
