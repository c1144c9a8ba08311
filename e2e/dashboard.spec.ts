// The back-office (issue 12) in Chromium against the embedded backend seeded with known events
// (e2e/support/dashboardSeed.ts): every number shown equals the seed's, in Chinese and English;
// editing target_users changes the rates; a partner token sees only its deliveries; an event
// tracked in the Vue example shows up in Live events and the overview. Writes the screenshots
// of docs/screenshots/.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { loadConfig } from '../server-stub/src/config'
import { silentLogger } from '../server-stub/src/http/logger'
import { startServer, type RunningServer } from '../server-stub/src/startServer'
import { ensureDashboard, openDashboard } from './support/dashboardSite'
import {
  dayIn,
  EXPECTED,
  postEvents,
  postRejectedEvent,
  SEED_TZ,
  SEED_USERS,
  seedEvents,
  startOfToday,
} from './support/dashboardSeed'
import { startExampleSite } from './support/exampleSite'
import { repoRoot } from './support/site'

test.describe.configure({ mode: 'serial' })
test.use({ timezoneId: SEED_TZ, viewport: { width: 1366, height: 768 } })

let backend: RunningServer
let dataDir: string
let seeded = 0
let partnerToken = ''

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${backend.url}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${backend.adminToken}`,
      'Content-Type': 'application/json',
      ...init.headers,
    },
  })

test.beforeAll(async () => {
  test.setTimeout(240_000)
  ensureDashboard()
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-dashboard-'))
  backend = await startServer({
    config: loadConfig({ TRACKPOINT_DATA_DIR: dataDir, PORT: '0' }),
    logger: silentLogger,
    // The dashboard's own page views would add to the seed's numbers: tracked in its own test.
    dashboard: { trackUse: false },
  })
  const events = seedEvents()
  await postEvents(backend.url!, events)
  seeded = events.length
  await postRejectedEvent(backend.url!)
  expect(
    (await admin('/api/admin/deliveries/dlv_alpha', { method: 'PUT', body: '{"target_users":10}' }))
      .status,
  ).toBe(200)
  const issued = await admin('/api/admin/partner-tokens', {
    method: 'POST',
    body: JSON.stringify({ name: 'Partner Beta', delivery_ids: ['dlv_beta'] }),
  })
  expect(issued.status).toBe(201)
  partnerToken = ((await issued.json()) as { token: string }).token
})

test.afterAll(async () => {
  await backend?.close()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

const LANGS = [
  { lang: 'zh', locale: 'zh-CN', empty: '所选范围内没有数据', forbidden: '无权查看（403）' },
  { lang: 'en', locale: 'en-US', empty: 'No data in this range', forbidden: 'Not allowed (403)' },
] as const

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(repoRoot, 'docs', 'screenshots', `${name}.png`) })

/** Waits for the panel to leave its loading state and returns it. */
const panel = async (page: Page, testid: string) => {
  const locator = page.getByTestId(testid)
  await expect(locator).toHaveAttribute('data-status', /^(ready|empty|error)$/, { timeout: 20_000 })
  return locator
}

/** The texts of a table row's cells (header cell first). */
const cells = (row: ReturnType<Page['locator']>) => row.locator('th, td').allInnerTexts()

const today = () => dayIn(SEED_TZ, Date.now())
const yesterday = () => dayIn(SEED_TZ, startOfToday(SEED_TZ) - 6 * 3600_000)
const dayLabel = (day: string, locale: string) =>
  new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    Date.parse(`${day}T00:00:00Z`),
  )
const int = (value: number) => value.toLocaleString('en-US')

for (const { lang, locale, empty } of LANGS) {
  test(`every number shown equals the seed's, in ${lang}`, async ({ page }) => {
    test.setTimeout(120_000)
    await openDashboard(page, backend.url!, backend.adminToken!)
    if (lang === 'en') await page.getByTestId('language').click()
    await expect(page.locator('html')).toHaveAttribute('lang', locale)

    // Overview, last 7 days.
    await panel(page, 'overview-totals')
    await expect(page.getByTestId('overview-pv')).toHaveText('1,215')
    expect(EXPECTED.pv).toBe(1215)
    await expect(page.getByTestId('overview-uv')).toHaveText(String(EXPECTED.uv))
    const daily = page.getByTestId('overview-daily-table')
    for (const [day, want] of [
      [yesterday(), EXPECTED.daily.yesterday],
      [today(), EXPECTED.daily.today],
    ] as const) {
      expect(await cells(daily.locator(`tr[data-date="${day}"]`))).toEqual([
        dayLabel(day, locale),
        int(want.pv),
        int(want.uv),
      ])
    }
    const top = page.getByTestId('overview-top-pages')
    for (const [pagePath, want] of Object.entries(EXPECTED.topPages)) {
      expect(await cells(top.locator(`tr[data-page="${pagePath}"]`))).toEqual([
        pagePath,
        int(want.pv),
        int(want.uv),
      ])
    }
    await expect(top.locator('tbody tr')).toHaveCount(Object.keys(EXPECTED.topPages).length)
    await shot(page, `overview-${lang}`)

    // Filters: platform ios, then an app without events (the empty state), then back.
    await page.getByTestId('filter-platform').selectOption('ios')
    await expect(page.getByTestId('overview-pv')).toHaveText(String(EXPECTED.ios.pv))
    await expect(page.getByTestId('overview-uv')).toHaveText(String(EXPECTED.ios.uv))
    await page.getByTestId('filter-platform').selectOption('')
    await page.getByTestId('filter-app').fill('no_such_app')
    await page.getByTestId('filter-app').press('Enter')
    await expect(page.getByTestId('overview-totals')).toHaveAttribute('data-status', 'empty')
    await expect(page.getByTestId('overview-totals')).toContainText(empty)
    await page.getByTestId('filter-app').fill('dev_app')
    await page.getByTestId('filter-app').press('Enter')
    await expect(page.getByTestId('overview-pv')).toHaveText('1,215')
    // Today only: yesterday's 4 page views and carol leave.
    await page.getByTestId('preset-today').click()
    await expect(page.getByTestId('overview-pv')).toHaveText(int(EXPECTED.daily.today.pv))
    await expect(page.getByTestId('overview-uv')).toHaveText(String(EXPECTED.daily.today.uv))
    await page.getByTestId('preset-7d').click()

    // Onchain actions: the funnel of act_swap.
    await page.getByTestId('nav-actions').click()
    const funnel = page.getByTestId('action-funnel-table')
    // The first Action of the list is shown once the list has come.
    await expect(funnel.locator('tbody tr')).toHaveCount(5, { timeout: 20_000 })
    const stepNames = await funnel.locator('tbody th').allInnerTexts()
    expect(stepNames).toHaveLength(5)
    for (const [i, want] of EXPECTED.funnel.entries()) {
      const row = funnel.locator(`tr[data-step="${want.step}"]`)
      expect((await cells(row)).slice(1)).toEqual([
        int(want.users),
        int(want.events),
        `${Number((want.conversion * 100).toFixed(2))}%`,
      ])
      expect(stepNames[i]).toBe(await row.locator('th').innerText())
    }
    await expect(page.getByTestId('action-completion-rate')).toHaveText('50%')
    expect(EXPECTED.completionRate).toBe(0.5)
    const actionDaily = page.getByTestId('action-daily')
    expect(await cells(actionDaily.locator(`tr[data-date="${today()}"]`))).toEqual([
      dayLabel(today(), locale),
      '4', // page views with action_id act_swap
      '2', // action_start events
      '1', // action_complete events
      '50%',
    ])
    await shot(page, `actions-${lang}`)

    // User paths from /home.
    await page.getByTestId('nav-paths').click()
    await page.getByTestId('paths-page').fill('/home')
    await page.getByTestId('paths-show').click()
    await panel(page, 'paths')
    await expect(page.getByTestId('paths-sessions')).toHaveText(
      String(EXPECTED.pathsFromHome.sessions),
    )
    const rows = await page.getByTestId('paths-table').locator('tbody tr').all()
    const shown = await Promise.all(rows.map(cells))
    expect(shown.sort()).toEqual(
      EXPECTED.pathsFromHome.paths.map((p) => [p.pages.join(' → '), String(p.sessions)]).sort(),
    )
    await shot(page, `paths-${lang}`)

    // Deliveries: dlv_alpha with target 10.
    await page.getByTestId('nav-deliveries').click()
    await panel(page, 'delivery-list')
    await page.getByTestId('delivery-list').getByRole('button', { name: 'dlv_alpha' }).click()
    await panel(page, 'delivery')
    const want = EXPECTED.delivery
    await expect(page.getByTestId('delivery-target')).toHaveText('10')
    await expect(page.getByTestId('delivery-viewed')).toHaveText(String(want.viewed))
    await expect(page.getByTestId('delivery-clicked')).toHaveText(String(want.clicked))
    await expect(page.getByTestId('delivery-completed')).toHaveText(String(want.completed))
    await expect(page.getByTestId('delivery-expand')).toHaveText(String(want.expands))
    await expect(page.getByTestId('delivery-collapse')).toHaveText(String(want.collapses))
    // Labelled in the language shown.
    await expect(page.getByTestId('delivery-expand').locator('..')).toContainText(
      lang === 'zh' ? '展开次数' : 'Expands',
    )
    await expect(page.getByTestId('delivery-collapse').locator('..')).toContainText(
      lang === 'zh' ? '收起次数' : 'Collapses',
    )
    await expect(page.getByTestId('delivery-viewRate')).toHaveText('40%') // 4 / 10
    await expect(page.getByTestId('delivery-clickRate')).toHaveText('50%') // 2 / 4
    await expect(page.getByTestId('delivery-completionRate')).toHaveText('25%') // 1 / 4
    const deliveryDaily = page.getByTestId('delivery-daily')
    for (const [day, d] of [
      [yesterday(), want.daily.yesterday],
      [today(), want.daily.today],
    ] as const) {
      expect(await cells(deliveryDaily.locator(`tr[data-date="${day}"]`))).toEqual([
        dayLabel(day, locale),
        String(d.views),
        String(d.clicks),
        String(d.completions),
      ])
    }
    const list = page.getByTestId('delivery-list')
    expect(await cells(list.locator('tr[data-delivery="dlv_alpha"]'))).toEqual([
      'dlv_alpha',
      '10',
      '4',
      '2',
      '1',
    ])
    expect(await cells(list.locator('tr[data-delivery="dlv_beta"]'))).toEqual([
      'dlv_beta',
      '0',
      '1',
      '0',
      '0',
    ])
    await shot(page, `deliveries-${lang}`)

    // Tracking health: every seeded event was accepted within the hour, the bad one refused.
    await page.getByTestId('nav-health').click()
    await panel(page, 'health-throughput')
    await expect(page.getByTestId('health-accepted')).toHaveText(int(seeded))
    // Refusals are not known per app: with the app filter on, the view says so …
    await expect(page.getByTestId('health-rejected')).toHaveText('—')
    // … and without it, the refused event shows with its reason.
    await page.getByTestId('filter-app').fill('')
    await page.getByTestId('filter-app').press('Enter')
    await expect(page.getByTestId('health-rejected')).toHaveText('1')
    expect(await cells(page.getByTestId('health-reasons').locator('tbody tr'))).toEqual([
      'wrong_type',
      '1',
    ])
    await expect(page.getByTestId('health-lag')).toHaveText('0')
    const byName = page.getByTestId('health-by-name')
    expect((await cells(byName.locator('tr[data-event="page_view"]'))).slice(0, 3)).toEqual([
      'page_view',
      int(EXPECTED.daily.today.pv),
      '0',
    ])
    await shot(page, `health-${lang}`)

    // Live events: filtered by event name, reward_claim is alice's one event, valid.
    await page.getByTestId('nav-live').click()
    await panel(page, 'live')
    await page.getByTestId('live-event').fill('reward_claim')
    await page.getByTestId('live-apply').click()
    const live = page.getByTestId('live-table').locator('tbody tr')
    await expect(live).toHaveCount(1)
    await expect(live.first()).toContainText('user-alice')
    await expect(live.first().locator('[data-validation]')).toHaveAttribute(
      'data-validation',
      'valid',
    )
    await page.getByTestId('live-event').fill('')
    await page.getByTestId('live-user').fill('user-bob')
    await page.getByTestId('live-apply').click()
    // bob: 1 page view yesterday, 1 impression, 1 click, and 3 funnel steps.
    await expect(live).toHaveCount(6)
    await shot(page, `live-${lang}`)
  })
}

test('editing target_users changes the rates shown', async ({ page }) => {
  await openDashboard(page, backend.url!, backend.adminToken!, 'deliveries')
  await page.getByTestId('delivery-id').fill('dlv_alpha')
  await page.getByTestId('delivery-show').click()
  await expect(page.getByTestId('delivery-viewRate')).toHaveText('40%')
  await page.getByTestId('target-input').fill('16')
  await page.getByTestId('target-save').click()
  await expect(page.getByTestId('delivery-target')).toHaveText('16')
  await expect(page.getByTestId('delivery-viewRate')).toHaveText('25%') // 4 / 16
  // Click and completion rates are per viewed user: unchanged.
  await expect(page.getByTestId('delivery-clickRate')).toHaveText('50%')
  const stored = (await (await admin('/api/stats/delivery/dlv_alpha')).json()) as {
    target_users: number
  }
  expect(stored.target_users).toBe(16)
  await page.getByTestId('target-input').fill('10')
  await page.getByTestId('target-save').click()
  await expect(page.getByTestId('delivery-viewRate')).toHaveText('40%')
})

for (const { lang, forbidden } of LANGS) {
  test(`a partner token sees only its deliveries and another id shows 403, in ${lang}`, async ({
    page,
  }) => {
    await openDashboard(page, backend.url!, partnerToken)
    if (lang === 'en') await page.getByTestId('language').click()
    await panel(page, 'delivery-list')
    // No operations views for a partner.
    await expect(page.getByTestId('nav-overview')).toHaveCount(0)
    const rows = page.getByTestId('delivery-list').locator('tbody tr')
    await expect(rows).toHaveCount(1)
    expect(await cells(rows.first())).toEqual(['dlv_beta', '0', '1', '0', '0'])
    const beta = EXPECTED.partnerDelivery
    await expect(page.getByTestId('delivery-viewed')).toHaveText(String(beta.viewed))
    await expect(page.getByTestId('delivery-expand')).toHaveText(String(beta.expands))
    await expect(page.getByTestId('delivery-collapse')).toHaveText(String(beta.collapses))
    await expect(page.getByTestId('target-input')).toHaveCount(0)
    await shot(page, `partner-${lang}`)
    await page.getByTestId('delivery-id').fill('dlv_alpha')
    await page.getByTestId('delivery-show').click()
    await expect(page.getByTestId('delivery')).toHaveAttribute('data-status', 'error')
    await expect(page.getByTestId('delivery')).toContainText(forbidden)
    await expect(page.getByTestId('delivery-viewed')).toHaveCount(0)
    const text = await page.locator('body').innerText()
    for (const user of SEED_USERS) expect(text).not.toContain(user)
  })
}

test('an event tracked in the Vue example appears in Live events and in the overview', async ({
  page,
  context,
}) => {
  await openDashboard(page, backend.url!, backend.adminToken!, 'overview')
  await expect(page.getByTestId('overview-pv')).toHaveText('1,215')
  await page.getByTestId('nav-live').click()
  await page.getByTestId('live-event').fill('page_view')
  await page.getByTestId('live-apply').click()
  await panel(page, 'live')

  const site = await startExampleSite('vue', backend.url!)
  try {
    const example = await context.newPage()
    await example.goto(site.url)
    await example.getByRole('heading').first().waitFor()
    // Leaving the page hands what is queued to the exit beacon.
    await example.goto('about:blank')
    await example.close()
  } finally {
    await site.close()
  }
  // The dashboard's tab polls only while visible: make it the front tab again.
  await page.bringToFront()
  // The live view polls: the example's page_view arrives, from its anonymous user (every
  // seeded user id starts with "user-").
  const fromExample = page
    .getByTestId('live-table')
    .locator('tbody tr')
    .filter({ hasNotText: 'user-' })
  await expect(fromExample).toHaveCount(1, { timeout: 20_000 })
  await expect(fromExample.locator('[data-validation]')).toHaveAttribute('data-validation', 'valid')
  // The next poll re-reads the last 5 s (the server's overlap) and returns the event again; the
  // view drops the repeat by event_id. One more poll later that answer has been rendered.
  const shownId = await fromExample.getAttribute('data-event-id')
  const isLive = (url: string) => url.includes('/api/stats/live')
  await page.waitForResponse(
    async (response) =>
      isLive(response.url()) &&
      ((await response.json()) as { events: { event_id: string }[] }).events.some(
        (e) => e.event_id === shownId,
      ),
    { timeout: 10_000 },
  )
  await page.waitForResponse((response) => isLive(response.url()), { timeout: 10_000 })
  await expect(page.locator(`[data-event-id="${shownId}"]`)).toHaveCount(1)
  await page.getByTestId('nav-overview').click()
  await expect(page.getByTestId('overview-pv')).toHaveText('1,216')
  await expect(page.getByTestId('overview-uv')).toHaveText(String(EXPECTED.uv + 1))
})

test('every view fits a 390-px phone screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await openDashboard(page, backend.url!, backend.adminToken!)
  await expect(page.getByTestId('overview-totals')).toHaveAttribute('data-status', 'ready')
  await shot(page, 'phone-zh')
  const ready: Record<string, string> = {
    overview: 'overview-totals',
    actions: 'action-list',
    paths: 'paths',
    deliveries: 'delivery-list',
    health: 'health-throughput',
    live: 'live',
  }
  for (const [view, testid] of Object.entries(ready)) {
    await page.getByTestId(`nav-${view}`).click()
    await panel(page, testid)
    // Nothing wider than the screen: the page never scrolls sideways (tables scroll inside
    // their panel).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  }
})

test('the dashboard is usable with the keyboard alone', async ({ page }) => {
  await page.goto(`${backend.url}/dashboard/`)
  // The token field has the focus; Enter submits.
  await expect(page.getByTestId('token')).toBeFocused()
  await page.keyboard.type(backend.adminToken!)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('overview-pv')).toBeVisible()
  // Tab order: the header's buttons, then the views in order, then the filters.
  await page.getByTestId('language').focus()
  const order: (string | null)[] = ['language']
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab')
    order.push(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null),
    )
  }
  expect(order).toEqual([
    'language',
    'sign-out',
    'nav-overview',
    'nav-actions',
    'nav-paths',
    'nav-deliveries',
    'nav-health',
    'nav-live',
    'filter-app',
  ])
  // Back to a view button; Enter opens it.
  await page.keyboard.press('Shift+Tab')
  await page.keyboard.press('Shift+Tab')
  await page.keyboard.press('Shift+Tab')
  await expect(page.getByTestId('nav-deliveries')).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('nav-deliveries')).toHaveAttribute('aria-current', 'page')
  await panel(page, 'delivery-list')
  // The language switch answers Space.
  await page.getByTestId('language').focus()
  await page.keyboard.press('Space')
  await expect(page.locator('html')).toHaveAttribute('lang', 'en-US')
})
