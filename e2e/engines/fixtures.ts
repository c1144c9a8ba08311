// Playwright Test fixtures of the three-engine suite. Each engine is a project of
// playwright.config.ts (`engines-chromium`, `engines-firefox`, `engines-webkit`) that sets
// `engineName`; the engine starts once per worker, and each test gets fresh servers (a new
// port is a new origin: no IndexedDB queue, lease or lock leaks between tests) and tabs that
// are closed after it.
import { test as base, expect } from '@playwright/test'
import { startCollector, type Collector } from '../support/collector'
import { ensureBundle, startSite, type Site } from '../support/site'
import { APP_ID, SECRET } from '../support/tracker'
import { launchEngine, type EngineDriver, type EngineName, type EnginePage } from './driver'

/** The option each engine project sets. */
export interface EngineOptions {
  engineName: EngineName
}

interface WorkerFixtures extends EngineOptions {
  engine: EngineDriver
}

interface TestFixtures {
  /** Milliseconds the collector waits before answering, to widen the in-flight window. */
  collectorDelayMs: number
  collector: Collector
  site: Site
  /** A tab of the engine, closed (if still open) after the test. */
  tab: EnginePage
  /** Opens another tab of the engine, closed (if still open) after the test. */
  newTab: () => Promise<EnginePage>
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  engineName: ['chromium', { scope: 'worker', option: true }],
  engine: [
    async ({ engineName }, use) => {
      ensureBundle()
      const engine = await launchEngine(engineName)
      // The README's list of tested versions comes from this line.
      console.log(`[engines] ${engineName}: ${engine.version}`)
      await use(engine)
      await engine.close()
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  collectorDelayMs: [0, { option: true }],
  collector: async ({ collectorDelayMs }, use) => {
    const collector = await startCollector({
      delayMs: collectorDelayMs,
      apps: [
        { app_id: APP_ID, secrets: [SECRET] },
        // The examples are built for npm start's development app.
        { app_id: 'dev_app', secrets: ['dev_secret'] },
      ],
      log: false,
    })
    await use(collector)
    await collector.close()
  },
  // eslint-disable-next-line no-empty-pattern
  site: async ({}, use) => {
    const site = await startSite()
    await use(site)
    await site.close()
  },
  newTab: async ({ engine }, use) => {
    const open: EnginePage[] = []
    await use(async () => {
      const page = await engine.newPage()
      const close = page.close
      let closed = false
      page.close = async () => {
        closed = true
        await close()
      }
      open.push(Object.assign(page, { isClosed: () => closed }))
      return page
    })
    for (const page of open as (EnginePage & { isClosed(): boolean })[]) {
      if (!page.isClosed()) await page.close()
    }
  },
  tab: async ({ newTab }, use) => {
    await use(await newTab())
  },
})

export { expect }
