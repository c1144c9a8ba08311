// The Next.js App Router consumer (examples/next): `next build` of the installed app, served by
// `next start` and loaded in Chromium; its events must reach a test collector.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../chromium.mjs'
import { startCollector } from '../devCollector.mjs'
import { run } from './run.mjs'

const HOST = '127.0.0.1'
const NEXT_ENV = { NEXT_TELEMETRY_DISABLED: '1' }

/** A port on 127.0.0.1 that was free a moment ago (for a server that takes a port number). */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })

/**
 * Polls `condition` every 100 ms until it returns something truthy or `ms` pass.
 * @template T
 * @param {() => T | Promise<T>} condition
 * @param {number} ms
 * @param {string} what For the error when the deadline passes.
 * @returns {Promise<T>}
 */
export const waitFor = async (condition, ms, what) => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await condition()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Starts `next start` on a free port and waits until it answers.
 * @param {string} dir
 */
const startNext = async (dir) => {
  const port = await freePort()
  const child = spawn(
    join(dir, 'node_modules/.bin/next'),
    ['start', '-H', HOST, '-p', String(port)],
    {
      cwd: dir,
      env: { ...process.env, ...NEXT_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  )
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      process.kill(-child.pid, 'SIGTERM')
    }
    await exited
  }
  const url = `http://${HOST}:${port}`
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`next start exited ${child.exitCode}:\n${output}`)
        return fetch(url).then(
          (response) => response.ok,
          () => false,
        )
      },
      60_000,
      `next start on ${url}`,
    )
  } catch (error) {
    await stop()
    throw error
  }
  return { url, stop, output: () => output }
}

/**
 * Builds, serves and loads the installed app in `dir`; returns one message per failure and
 * how long `next build` took.
 * @param {string} dir
 * @returns {Promise<{ failures: string[], buildMs: number }>}
 */
export async function checkNextApp(dir) {
  const collector = await startCollector({ log: false })
  /** @type {Awaited<ReturnType<typeof startNext>> | undefined} */
  let next
  /** @type {import('@playwright/test').Browser | undefined} */
  let browser
  const started = Date.now()
  let buildMs = 0
  try {
    // The root layout reads the endpoint when it is rendered, at build time (a static page).
    const build = await run(join(dir, 'node_modules/.bin/next'), ['build'], {
      cwd: dir,
      env: { ...NEXT_ENV, TRACKPOINT_ENDPOINT: collector.url },
      timeoutMs: 600_000,
    })
    buildMs = Date.now() - started
    if (build.code !== 0)
      return { failures: [`next: next build failed:\n${build.output}`], buildMs }

    next = await startNext(dir)
    // The server layout rendered <TrackProvider> and the server page <Impression>: both are in
    // the HTML before any script runs.
    const html = await (await fetch(next.url)).text()
    if (!html.includes('data-testid="recommendation"')) {
      return { failures: [`next: the server-rendered page has no <Impression>:\n${html}`], buildMs }
    }

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS })
    const page = await browser.newPage()
    /** @type {string[]} */
    const pageErrors = []
    page.on('pageerror', (error) => pageErrors.push(String(error)))
    page.on('console', (message) => {
      if (message.type() === 'error') {
        pageErrors.push(`${message.text()} (${message.location().url})`)
      }
    })
    await page.goto(next.url)
    /** @param {(event: import('../devCollector.mjs').TrackEvent) => boolean} match */
    const arrived = (match, what) =>
      waitFor(() => collector.received.find(match), 30_000, `${what} at the collector`)
    const props = (event) => /** @type {Record<string, unknown>} */ (event.properties ?? {})

    await arrived(
      (e) => e.event_name === 'page_view' && props(e).page_name === '/',
      'page_view of /',
    )
    // Visible for a second: the impression of the server-rendered <Impression>.
    await arrived(
      (e) => e.event_name === 'recommend_impression' && props(e).delivery_id === 'd_next_1',
      'recommend_impression d_next_1',
    )
    await page.getByRole('button', { name: 'Claim 100 points' }).click()
    await arrived(
      (e) => e.event_name === 'reward_claim' && props(e).reward_type === 'points',
      'reward_claim from useTrack',
    )
    // A client-side navigation: the layout (and the tracker) stay, a new page view is tracked.
    await page.getByRole('link', { name: 'Rewards' }).click()
    await page.waitForURL(`${next.url}/rewards`)
    await arrived(
      (e) => e.event_name === 'page_view' && props(e).page_name === '/rewards',
      'page_view of /rewards after a client-side navigation',
    )
    const views = collector.received.filter((e) => e.event_name === 'page_view').length
    const failures = []
    if (views !== 2) failures.push(`next: expected 2 page_view events, got ${views}`)
    if (pageErrors.length) failures.push(`next: errors in the page:\n${pageErrors.join('\n')}`)
    return { failures, buildMs }
  } catch (error) {
    return {
      failures: [
        `next: ${error instanceof Error ? error.message : String(error)}\n${next?.output() ?? ''}`,
      ],
      buildMs,
    }
  } finally {
    await browser?.close()
    await next?.stop()
    await collector.close()
  }
}
