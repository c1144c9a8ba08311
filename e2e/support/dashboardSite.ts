// The dashboard's build for the browser specs: built once by `npm run build` when missing.
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { repoRoot } from './site'

/** The dashboard build the stats role serves (server-stub's defaultDashboardDir()). */
export const dashboardDir = join(repoRoot, 'dashboard', 'dist')

/** Builds the packages and the dashboard when the dashboard's build is missing. */
export function ensureDashboard(): void {
  if (existsSync(join(dashboardDir, 'index.html'))) return
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' })
  if (!existsSync(join(dashboardDir, 'index.html'))) {
    throw new Error(`npm run build did not build ${dashboardDir}`)
  }
}

/** Opens the dashboard of `serverUrl` at `view` and signs in with `token` through the form. */
export async function openDashboard(
  page: Page,
  serverUrl: string,
  token: string,
  view = 'overview',
): Promise<void> {
  await page.goto(`${serverUrl}/dashboard/#/${view}`)
  await page.getByTestId('token').fill(token)
  await page.getByTestId('sign-in').click()
}
