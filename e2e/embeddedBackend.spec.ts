// The whole embedded pipeline in real components: the script-tag example in Chromium → the
// collector → the in-process bus → the ClickHouse engine (chdb) → the stats API.
import { createServer, type Server } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { loadConfig } from '../server-stub/src/config'
import { silentLogger } from '../server-stub/src/http/logger'
import { startServer, type RunningServer } from '../server-stub/src/startServer'
import { startExampleSite, type ExampleName } from './support/exampleSite'
import { bundlePath, ensureBundle, repoRoot } from './support/site'

let backend: RunningServer
let site: Server
let siteUrl: string
let dataDir: string

test.beforeAll(async () => {
  ensureBundle()
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-e2e-'))
  backend = await startServer({
    config: loadConfig({ TRACKPOINT_DATA_DIR: dataDir, PORT: '0' }),
    logger: silentLogger,
  })
  const html = (
    await readFile(join(repoRoot, 'examples/script-tag/index.html'), 'utf8')
  ).replaceAll('http://127.0.0.1:8080', backend.url!)
  const bundle = await readFile(bundlePath)
  site = createServer((req, res) => {
    if (req.url === '/trackpoint.min.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle)
    } else res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html)
  })
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  const address = site.address()
  siteUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})

test.afterAll(async () => {
  await new Promise((resolve) => site.close(resolve))
  await backend.close()
  await rm(dataDir, { recursive: true, force: true })
})

const stats = async (path: string) => {
  const response = await fetch(`${backend.url}${path}`, {
    headers: { Authorization: `Bearer ${backend.adminToken}` },
  })
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, unknown>
}

test('the script-tag example reaches the stats API through the embedded backend', async ({
  page,
}) => {
  await page.goto(`${siteUrl}/`)
  await page.click('#recommendation-open')
  await page.click('#start')
  // The example keeps its tracker in `window.tracker`, set in its `trackpoint(callback)` call.
  await page.evaluate('tracker.flush()')

  await expect
    .poll(async () => (await stats('/api/stats/delivery/dlv_demo_001')).clicked_users, {
      timeout: 15_000,
    })
    .toBe(1)
  const overview = await stats('/api/stats/overview')
  expect(overview.pv).toBe(1)
  expect(overview.uv).toBe(1)
})

// The built React and Vue examples against the same embedded backend: their impressions,
// clicks and completions of the recommendation slot become numbers of the stats API. Each run
// is a new browser context (a new anonymous user), so each adds exactly one user to each count.
for (const example of ['react', 'vue'] satisfies ExampleName[]) {
  test(`the built ${example} example reaches the stats API through the embedded backend`, async ({
    page,
  }) => {
    const site = await startExampleSite(example, backend.url!)
    try {
      const before = await stats('/api/stats/delivery/dlv_demo_002')
      await page.goto(site.url)
      const slot = page.getByTestId('dlv_demo_002')
      await slot.evaluate((element) => element.scrollIntoView({ block: 'center' }))
      await page.waitForTimeout(1500) // the impression rule: ≥ 50 % visible for ≥ 1 s
      await slot.getByRole('button', { name: 'Try it' }).click()
      await slot.getByRole('button', { name: 'Mark done' }).click()
      // Leaving the page hands what is queued to the exit beacon.
      await page.goto('about:blank')

      const grew = (after: Record<string, unknown>, field: string) =>
        (after[field] as number) - (before[field] as number)
      await expect
        .poll(
          async () => {
            const after = await stats('/api/stats/delivery/dlv_demo_002')
            return ['viewed_users', 'clicked_users', 'completed_users'].map((f) => grew(after, f))
          },
          { timeout: 15_000 },
        )
        .toEqual([1, 1, 1])
    } finally {
      await site.close()
    }
  })
}
