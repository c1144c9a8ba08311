// Firefox (Debian's firefox-esr) through puppeteer-core over WebDriver BiDi: no geckodriver,
// and the same page-level API as Playwright's. Headless.
import puppeteer, { type Page } from 'puppeteer-core'
import {
  callSource,
  INSECURE_HOST,
  insecureUrl,
  pollUntil,
  type EngineDriver,
  type EnginePage,
} from './driver'
import { readPageErrors } from '../support/pageErrors'

/** Debian's Firefox ESR, or FIREFOX_PATH. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/lib/firefox-esr/firefox-esr'

const wrap = (page: Page): EnginePage => {
  const evaluate: EnginePage['evaluate'] = (fn, arg) =>
    page.evaluate(callSource(fn as never, arg)) as Promise<never>
  return {
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    reload: async () => void (await page.reload({ waitUntil: 'load' })),
    back: async () => void (await page.goBack()),
    evaluate,
    waitFor: (fn, arg, options) => pollUntil(() => evaluate(fn, arg), options),
    click: (selector) => page.click(selector),
    close: () => page.close({ runBeforeUnload: true }),
    errors: () => evaluate(readPageErrors),
  }
}

/** Launches Firefox ESR headless with a fresh profile. */
export async function launchFirefox(): Promise<EngineDriver> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX_PATH,
    headless: true,
    defaultViewport: { width: 1280, height: 720 },
    extraPrefsFirefox: {
      // No updates, telemetry or first-run pages on a shared CI machine.
      'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'browser.shell.checkDefaultBrowser': false,
      // trackpoint.test resolves to the loopback address, under a name that is not secure.
      'network.dns.localDomains': INSECURE_HOST,
    },
  })
  return {
    name: 'firefox',
    version: (await browser.version()).replace(/^firefox\//i, 'Firefox '),
    // A window per tab, as for WebKit: every tab stays visible (a background tab is hidden, and
    // the specs decide when a page hides). See docs/decisions.md for what a hidden tab's close
    // does to the lease in Firefox.
    newPage: async () => wrap(await browser.newPage({ type: 'window' })),
    insecure: insecureUrl,
    close: () => browser.close(),
  }
}
