// A Chromium whose pages can really be hidden. Playwright keeps every page it launches
// "visible": it turns on focus emulation (Emulation.setFocusEmulationEnabled), which holds the
// tab visible whatever happens to its window, so neither another tab nor minimising flips
// document.visibilityState. Chromium started by hand and attached over CDP with `noDefaults`
// skips that, and minimising the window (Browser.setWindowBounds) then hides the page for real:
// `visibilitychange` fires and visibilityState is `hidden`, as when a user minimises a browser.
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from '@playwright/test'

export interface HideableBrowser {
  browser: Browser
  page: Page
  /** Minimises the page's window; resolves once the page reports `hidden`. */
  hide(): Promise<void>
  /** Restores the window; resolves once the page reports `visible`. */
  show(): Promise<void>
  close(): Promise<void>
}

export async function launchHideableBrowser(): Promise<HideableBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'trackpoint-chromium-'))
  const chromiumProcess = spawn(
    CHROMIUM_PATH,
    [...CHROMIUM_FLAGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Chromium did not start:\n${output}`)), 30_000)
    chromiumProcess.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /DevTools listening on (ws:\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    chromiumProcess.once('exit', (code) =>
      reject(new Error(`Chromium exited (${code}):\n${output}`)),
    )
  })
  // `noDefaults` is what leaves focus emulation off in the default context (see above).
  // Not in Playwright's typings: an internal option of connectOverCDP (Playwright 1.5x).
  const options: Record<string, unknown> = { noDefaults: true }
  const browser = await chromium.connectOverCDP(endpoint, options)
  const context = browser.contexts()[0]!
  const page = context.pages()[0] ?? (await context.newPage())
  const cdp = await context.newCDPSession(page)
  const { windowId } = (await cdp.send('Browser.getWindowForTarget')) as { windowId: number }
  const setWindow = async (windowState: 'minimized' | 'normal', expected: string) => {
    await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState } })
    await page.waitForFunction((state) => document.visibilityState === state, expected)
  }
  return {
    browser,
    page,
    hide: () => setWindow('minimized', 'hidden'),
    show: () => setWindow('normal', 'visible'),
    close: async () => {
      await browser.close().catch(() => undefined)
      if (chromiumProcess.exitCode === null) {
        const exited = new Promise((resolve) => chromiumProcess.once('exit', resolve))
        chromiumProcess.kill()
        await exited
      }
      await rm(profile, { recursive: true, force: true, maxRetries: 5 })
    },
  }
}
