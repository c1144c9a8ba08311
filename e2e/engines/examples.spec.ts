// What an app ships, in each engine: the script-tag example's async snippet replaying its queued
// calls once the CDN bundle arrives (late, on purpose), against the development collector; and
// the built React and Vue examples' events reaching the embedded backend (collector → in-process
// bus → chdb → stats API), as e2e/embeddedBackend.spec.ts does in Chromium.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from './fixtures'
import type { EnginePage } from './driver'
import { startExampleSite, type ExampleName } from '../support/exampleSite'
import { startPageSite } from '../support/pageSite'
import { withErrorCapture } from '../support/pageErrors'
import { repoRoot } from '../support/site'
import { loadConfig } from '../../server-stub/src/config'
import { silentLogger } from '../../server-stub/src/http/logger'
import { startServer, type RunningServer } from '../../server-stub/src/startServer'

/** Clicks the button labelled `label` inside `scope` with a real click of the engine. */
async function clickButton(tab: EnginePage, scope: string, label: string): Promise<void> {
  const marked = await tab.evaluate(
    ([scope, label]) => {
      const button = [...document.querySelectorAll(`${scope} button`)].find(
        (element) => element.textContent?.trim() === label,
      )
      button?.setAttribute('data-e2e-click', '')
      return button !== undefined
    },
    [scope, label] as const,
  )
  if (!marked) throw new Error(`no button "${label}" in ${scope}`)
  await tab.click('[data-e2e-click]')
  await tab.evaluate(() =>
    document.querySelector('[data-e2e-click]')?.removeAttribute('data-e2e-click'),
  )
}

test('the async snippet queues calls until the late CDN bundle replays them', async ({
  tab,
  collector,
}) => {
  const html = (await readFile(join(repoRoot, 'examples/script-tag/index.html'), 'utf8'))
    .replaceAll('http://127.0.0.1:8080', collector.url)
    // A call made before the bundle exists, and a bundle that takes 500 ms to arrive.
    .replace(
      '<script async src="/trackpoint.min.js"',
      `<script>trackpoint('track', 'card_click', { card_id: 'queued_before_load' })
        window.queuedAtParse = trackpoint.q.length</script>
      <script async src="/trackpoint.min.js?delay=500"`,
    )
  expect(html).toContain('delay=500')
  const site = await startPageSite({ '/index.html': withErrorCapture(html) })
  try {
    await tab.goto(`${site.url}/`)
    // `init` and the track call waited in the stub's queue.
    expect(
      await tab.evaluate(() => (window as unknown as { queuedAtParse: number }).queuedAtParse),
    ).toBe(2)
    await tab.waitFor(() => 'tracker' in window, undefined, { message: 'the bundle replayed init' })
    // The recommendation is in view on load: its impression ≥ 1 s later.
    await expect
      .poll(() => collector.received.some((e) => e.event_name === 'recommend_impression'), {
        timeout: 15_000,
      })
      .toBe(true)
    await tab.click('nav button[data-track-target="rewards"]')
    await tab.click('#recommendation-open')
    await tab.evaluate(() => window.tracker.flush())
    await expect
      .poll(() =>
        collector.received
          .filter((event) => event.event_name !== 'web_vitals')
          .map((event) => [event.event_name, event.properties]),
      )
      .toEqual([
        ['card_click', { card_id: 'queued_before_load' }],
        ['page_view', { page_name: 'onchain_landing' }],
        ['recommend_impression', { delivery_id: 'dlv_demo_001', content_type: 'action' }],
        ['navbar_click', { target: 'rewards' }],
        ['recommend_click', { delivery_id: 'dlv_demo_001', content_type: 'action' }],
      ])
    expect(site.bundleRequests).toBe(1)
    expect(await tab.errors()).toEqual([])
  } finally {
    await site.close()
  }
})

test.describe('examples through the embedded backend', () => {
  let backend: RunningServer
  let dataDir: string
  test.beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-engines-'))
    backend = await startServer({
      config: loadConfig({ TRACKPOINT_DATA_DIR: dataDir, PORT: '0' }),
      logger: silentLogger,
    })
  })
  test.afterAll(async () => {
    await backend.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  const stats = async (path: string) => {
    const response = await fetch(`${backend.url}${path}`, {
      headers: { Authorization: `Bearer ${backend.adminToken}` },
    })
    expect(response.status).toBe(200)
    return (await response.json()) as Record<string, number>
  }

  for (const example of ['react', 'vue'] satisfies ExampleName[]) {
    test(`the built ${example} example's impression, click and completion reach the stats API`, async ({
      tab,
    }) => {
      const site = await startExampleSite(example, backend.url!, withErrorCapture)
      try {
        const fields = ['viewed_users', 'clicked_users', 'completed_users']
        const before = await stats('/api/stats/delivery/dlv_demo_002')
        await tab.goto(site.url)
        // The app renders after `load` (a module script): wait for the slot.
        await tab.waitFor(() => document.querySelector('[data-testid="dlv_demo_002"]') !== null)
        await tab.evaluate(() =>
          document
            .querySelector('[data-testid="dlv_demo_002"]')!
            .scrollIntoView({ block: 'center' }),
        )
        await clickButton(tab, '[data-testid="dlv_demo_002"]', 'Try it')
        await clickButton(tab, '[data-testid="dlv_demo_002"]', 'Mark done')
        // The impression (≥ 1 s in view) and the clicks leave with the next timed batch.
        await expect
          .poll(
            async () => {
              const after = await stats('/api/stats/delivery/dlv_demo_002')
              return fields.map((field) => after[field]! - before[field]!)
            },
            { timeout: 20_000 },
          )
          .toEqual([1, 1, 1])
        expect(await tab.errors()).toEqual([])
      } finally {
        await site.close()
      }
    })
  }
})
