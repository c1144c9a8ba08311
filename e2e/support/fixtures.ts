// Playwright fixtures: a fresh collector and a fresh static site per test. A new site port
// is a new origin, so no IndexedDB queue or Web Lock leaks from one test into the next.
import { writeFile } from 'node:fs/promises'
import { test as base, expect } from '@playwright/test'
import { startCollector, type Collector } from './collector'
import { ensureBundle, startSite, type Site } from './site'
import { APP_ID, SECRET } from './tracker'

interface TestFixtures {
  /** Milliseconds the collector waits before answering, to widen the in-flight window. */
  collectorDelayMs: number
  collector: Collector
  site: Site
  /** Prints what the pages log, so an SDK error shows up next to the failing assertion. */
  forwardConsole: void
}

interface WorkerFixtures {
  bundle: void
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  bundle: [
    // Playwright requires the first fixture argument to be an object pattern.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      ensureBundle()
      await use()
    },
    { scope: 'worker', timeout: 180_000 },
  ],
  collectorDelayMs: [0, { option: true }],
  collector: async ({ collectorDelayMs }, use, testInfo) => {
    const collector = await startCollector({
      apps: [{ app_id: APP_ID, secrets: [SECRET] }],
      delayMs: collectorDelayMs,
      log: false,
    })
    await use(collector)
    await collector.close()
    // On failure, what the collector saw is the first thing to read.
    if (testInfo.status !== testInfo.expectedStatus) {
      const { requests, received, concurrentDuplicates } = collector
      const path = testInfo.outputPath('collector.json')
      await writeFile(path, JSON.stringify({ requests, received, concurrentDuplicates }, null, 2))
      await testInfo.attach('collector.json', { path, contentType: 'application/json' })
    }
  },
  site: async ({ bundle }, use) => {
    void bundle
    const site = await startSite()
    await use(site)
    await site.close()
  },
  forwardConsole: [
    async ({ context }, use) => {
      context.on('console', (message) => {
        // Failed requests are expected in outage specs, and collector.json lists them anyway.
        if (message.text().startsWith('Failed to load resource')) return
        if (message.type() === 'error' || message.type() === 'warning') {
          console.log(`[page console.${message.type()}] ${message.text()}`)
        }
      })
      context.on('weberror', (error) => console.log(`[page error] ${error.error().message}`))
      await use()
    },
    { auto: true },
  ],
})

export { expect }
