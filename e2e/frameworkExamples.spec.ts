// The built React and Vue examples in Chromium against a test collector: useImpression /
// <Impression> and v-impression fire after ≥1 s at ≥50 % visible, once per delivery, a glance
// does not count, and the clicks of the navbar, the action cards and the recommendation slot
// arrive with their properties. Both examples render the same Onchain landing page.
import { isDeepStrictEqual } from 'node:util'
import { test as base, expect, type Page } from '@playwright/test'
import { startCollector, type Collector, type ReceivedEvent } from './support/collector'
import { startExampleSite, type ExampleName, type ExampleSite } from './support/exampleSite'

const test = base.extend<{ collector: Collector }>({
  // Playwright requires the first fixture argument to be an object pattern.
  // eslint-disable-next-line no-empty-pattern
  collector: async ({}, use) => {
    // The app the examples are built for (npm start's development app).
    const collector = await startCollector({
      apps: [{ app_id: 'dev_app', secrets: ['dev_secret'] }],
      log: false,
    })
    await use(collector)
    await collector.close()
  },
})

const named = (collector: Collector, name: string, deliveryId?: string): ReceivedEvent[] =>
  collector.received.filter(
    (event) =>
      event.event_name === name &&
      (deliveryId === undefined || event.properties?.delivery_id === deliveryId),
  )

/** Waits until an event arrives; events are sent in order, so all tracked before it arrived too. */
async function arrived(collector: Collector, name: string, properties: object): Promise<void> {
  await expect
    .poll(
      () =>
        collector.received.some(
          (event) => event.event_name === name && isDeepStrictEqual(event.properties, properties),
        ),
      { message: `${name} ${JSON.stringify(properties)} arrived`, timeout: 15_000 },
    )
    .toBe(true)
}

/** Scrolls `testId` to the middle of the viewport; returns the page's clock at that moment. */
const reveal = (page: Page, testId: string): Promise<number> =>
  page.getByTestId(testId).evaluate((element) => {
    element.scrollIntoView({ block: 'center' })
    return Date.now()
  })

const scrollToTop = (page: Page) => page.evaluate(() => window.scrollTo(0, 0))

for (const example of ['react', 'vue'] satisfies ExampleName[]) {
  test.describe(`examples/${example} (built)`, () => {
    let site: ExampleSite
    test.beforeEach(async ({ collector }) => {
      site = await startExampleSite(example, collector.url)
    })
    test.afterEach(async () => site.close())

    test('impressions fire after ≥1 s at ≥50 % visible, once per delivery; a glance does not count', async ({
      page,
      collector,
    }) => {
      await page.goto(site.url)
      await arrived(collector, 'page_view', { page_name: 'onchain_landing', referrer: '' })
      const nav = page.getByRole('navigation')

      // A glance at the banner (≈300 ms), then back to the top: no impression.
      await reveal(page, 'banner')
      await page.waitForTimeout(300)
      await scrollToTop(page)

      // The first recommendation stays in view for 1.5 s: one impression, ≥1 s after it showed.
      const shownAt = await reveal(page, 'dlv_demo_001')
      await page.waitForTimeout(1500)
      await scrollToTop(page)
      // Back into view: the same delivery does not count twice in one page view.
      await reveal(page, 'dlv_demo_001')
      await page.waitForTimeout(1500)
      await scrollToTop(page)
      await nav.getByRole('button', { name: 'Home' }).click()
      await arrived(collector, 'navbar_click', { target: 'home' })

      const impressions = named(collector, 'recommend_impression', 'dlv_demo_001')
      expect(impressions.map((event) => event.properties)).toEqual([
        { delivery_id: 'dlv_demo_001', content_type: 'action' },
      ])
      expect(impressions[0]!.timestamp - shownAt).toBeGreaterThanOrEqual(1000)
      expect(named(collector, 'recommend_impression', 'dlv_demo_banner')).toEqual([])

      // Now the banner is looked at long enough.
      await reveal(page, 'banner')
      await page.waitForTimeout(1500)
      await scrollToTop(page)
      await nav.getByRole('button', { name: 'Rewards' }).click()
      await arrived(collector, 'navbar_click', { target: 'rewards' })
      expect(named(collector, 'recommend_impression', 'dlv_demo_banner')).toHaveLength(1)
      expect(named(collector, 'recommend_impression', 'dlv_demo_001')).toHaveLength(1)
      expect(named(collector, 'page_view')).toHaveLength(1)
    })

    test('clicks of the navbar, an action card and a recommendation arrive', async ({
      page,
      collector,
    }) => {
      await page.goto(site.url)
      await page.getByRole('navigation').getByRole('button', { name: 'Actions' }).click()
      const card = page.getByTestId('card_bridge_001')
      await card.getByRole('heading').click()
      await card.getByRole('button', { name: 'Start' }).click()
      await card.getByRole('button', { name: 'Complete' }).click()
      await card.getByRole('button', { name: 'Claim reward' }).click()
      const slot = page.getByTestId('dlv_demo_002')
      await slot.getByRole('button', { name: 'Try it' }).click()
      await slot.getByRole('button', { name: 'Details' }).click()
      await slot.getByRole('button', { name: 'Details' }).click()
      await slot.getByRole('button', { name: 'Mark done' }).click()

      await arrived(collector, 'recommend_complete', {
        delivery_id: 'dlv_demo_002',
        action_id: 'act_stake_004',
      })
      const clicks = collector.received
        .filter(
          (event) =>
            event.event_name !== 'page_view' && event.event_name !== 'recommend_impression',
        )
        .map((event) => [event.event_name, event.properties])
      expect(clicks).toEqual([
        ['navbar_click', { target: 'actions' }],
        ['card_click', { card_id: 'card_bridge_001' }],
        ['action_start', { action_id: 'act_bridge_001' }],
        ['action_complete', { action_id: 'act_bridge_001' }],
        ['reward_claim', { reward_type: 'points', action_id: 'act_bridge_001' }],
        ['recommend_click', { delivery_id: 'dlv_demo_002', content_type: 'action' }],
        ['recommend_expand_collapse', { delivery_id: 'dlv_demo_002', action: 'expand' }],
        ['recommend_expand_collapse', { delivery_id: 'dlv_demo_002', action: 'collapse' }],
        ['recommend_complete', { delivery_id: 'dlv_demo_002', action_id: 'act_stake_004' }],
      ])
    })

    test('the analytics switch re-renders through useConsent; opted out, clicks do not arrive', async ({
      page,
      collector,
    }) => {
      await page.goto(site.url)
      await arrived(collector, 'page_view', { page_name: 'onchain_landing', referrer: '' })
      const privacy = page.getByTestId('privacy')
      const nav = page.getByRole('navigation')
      await expect(privacy).toContainText('Analytics: on')
      await privacy.getByRole('button', { name: 'Turn analytics off' }).click()
      await expect(privacy).toContainText('Analytics: off')
      await nav.getByRole('button', { name: 'Rewards' }).click()
      // The opt-out is kept: after a reload the first render already shows it.
      await page.reload()
      await expect(privacy).toContainText('Analytics: off')
      await nav.getByRole('button', { name: 'Profile' }).click()
      await privacy.getByRole('button', { name: 'Turn analytics on' }).click()
      await expect(privacy).toContainText('Analytics: on')
      await nav.getByRole('button', { name: 'Actions' }).click()
      await arrived(collector, 'navbar_click', { target: 'actions' })
      // Events arrive in order: had the opted-out clicks been sent, they would be here.
      expect(named(collector, 'navbar_click').map((event) => event.properties)).toEqual([
        { target: 'actions' },
      ])
      expect(named(collector, 'page_view')).toHaveLength(1)
    })
  })
}
