// The dashboard tracks its own use (issue 12) with @trackpoint/vue, to the collector of the
// server that serves it, as the development app: its page views arrive. A file of its own: chdb
// holds one data directory per process, and dashboard.spec.ts's server has another.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { loadConfig } from '../server-stub/src/config'
import { silentLogger } from '../server-stub/src/http/logger'
import { startServer } from '../server-stub/src/startServer'
import { ensureDashboard, openDashboard } from './support/dashboardSite'

test.beforeAll(() => ensureDashboard())

test('the dashboard tracks its own use to the collector of its server', async ({ page }) => {
  const dir = await mkdtemp(join(tmpdir(), 'trackpoint-dashboard-own-'))
  const own = await startServer({
    config: loadConfig({ TRACKPOINT_DATA_DIR: dir, PORT: '0' }),
    logger: silentLogger,
  })
  try {
    await openDashboard(page, own.url!, own.adminToken!)
    await expect(page.getByTestId('overview-totals')).toHaveAttribute('data-status', 'empty')
    await page.getByTestId('nav-paths').click()
    // Leaving hands the queued page views to the exit beacon.
    await page.goto('about:blank')
    await expect
      .poll(
        async () => {
          const response = await fetch(`${own.url}/api/stats/live?event_name=page_view`, {
            headers: { Authorization: `Bearer ${own.adminToken}` },
          })
          const body = (await response.json()) as {
            events: { app_id: string; properties: { page_name?: string } }[]
          }
          return body.events.map((e) => `${e.app_id}:${e.properties.page_name}`).sort()
        },
        { timeout: 20_000 },
      )
      .toEqual(['dev_app:dashboard_overview', 'dev_app:dashboard_paths'])
  } finally {
    await own.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('a server started with trackUse: false writes no app into the page', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trackpoint-dashboard-own-'))
  const quiet = await startServer({
    config: loadConfig({ TRACKPOINT_DATA_DIR: dir, PORT: '0' }),
    logger: silentLogger,
    dashboard: { trackUse: false },
  })
  try {
    const html = await (await fetch(`${quiet.url}/dashboard/`)).text()
    expect(html).toContain('<meta name="trackpoint-app" content="" />')
  } finally {
    await quiet.close()
    await rm(dir, { recursive: true, force: true })
  }
})
