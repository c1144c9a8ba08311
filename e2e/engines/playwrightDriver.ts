// Chromium through Playwright, as the rest of the browser suite drives it (Debian's build,
// scripts/chromium.mjs flags). One browser context holds every tab of the driver.
import { chromium, type Page } from '@playwright/test'
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs'
import {
  callSource,
  INSECURE_HOST,
  insecureUrl,
  pollUntil,
  type EngineDriver,
  type EnginePage,
} from './driver'
import { readPageErrors } from '../support/pageErrors'

const wrap = (page: Page): EnginePage => {
  const evaluate: EnginePage['evaluate'] = (fn, arg) =>
    page.evaluate(callSource(fn as never, arg)) as Promise<never>
  return {
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    // A restore from the back/forward cache has no `load` event.
    back: async () => void (await page.goBack({ waitUntil: 'commit' })),
    evaluate,
    waitFor: (fn, arg, options) => pollUntil(() => evaluate(fn, arg), options),
    click: (selector) => page.click(selector),
    close: () => page.close({ runBeforeUnload: true }),
    errors: () => evaluate(readPageErrors),
  }
}

/** Launches Debian's Chromium, headless. */
export async function launchChromium(): Promise<EngineDriver> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    // trackpoint.test is 127.0.0.1 under a name Chromium does not count as secure.
    args: [...CHROMIUM_FLAGS, `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`],
  })
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } })
  return {
    name: 'chromium',
    version: `Chromium ${browser.version()}`,
    newPage: async () => wrap(await context.newPage()),
    insecure: insecureUrl,
    close: () => browser.close(),
  }
}
