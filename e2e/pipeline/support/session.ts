// A scripted session of §三 events on one of the examples, as a user acts: the page view, the
// navbar, a card click, an Action's start → complete → reward, the recommendation slot
// (impressions, expand/collapse, clicks) and a feed of 60 cards shown at once (the React and
// Vue examples' own "More for you" feed; on the script-tag page one built with
// `Trackpoint.observeImpression`). Returns what it tracked by name, so a spec can check that the pages tracked what the
// user did before it checks the pipeline.
import type { Page } from '@playwright/test'
import type { Ledger } from './ledger'
import type { PipelineExample } from './pipelineSite'
import { waitUntil } from './waitUntil'

/** Cards in the feed, all visible at once. */
export const FEED_CARDS = 60

const NAV = ['Home', 'Actions', 'Rewards', 'Profile']

/** Waits until `label` has tracked `count` events named `name` (an impression's 1 s dwell). */
async function tracked(ledger: Ledger, label: string, name: string, count: number) {
  await waitUntil(() => ledger.of(label, name).length >= count, {
    timeout: 20_000,
    what: `${count} ${name} of ${label} (have ${ledger.of(label, name).length})`,
  })
}

/**
 * Adds a feed of {@link FEED_CARDS} recommendation cards to the script-tag page, each observed
 * with the SDK's public `Trackpoint.observeImpression` (≥ 50 % visible for 1 s), sized so that
 * all fit in the viewport at once.
 */
async function showFeed(page: Page): Promise<void> {
  await page.evaluate((cards) => {
    const feed = document.createElement('section')
    feed.style.cssText =
      'position:fixed;inset:0;display:grid;grid-template-columns:repeat(10,1fr);gap:2px;background:#fff;z-index:10'
    const g = window as unknown as {
      tracker: { track(name: string, props: object): void }
      Trackpoint: { observeImpression(el: Element, cb: () => void, o: object): void }
    }
    for (let i = 0; i < cards; i++) {
      const card = document.createElement('article')
      const id = `dlv_feed_${String(i).padStart(2, '0')}`
      card.textContent = id
      card.style.cssText = 'min-height:40px;border:1px solid #ccc;font-size:10px'
      feed.append(card)
      g.Trackpoint.observeImpression(
        card,
        () => g.tracker.track('recommend_impression', { delivery_id: id, content_type: 'action' }),
        { key: id },
      )
    }
    document.body.append(feed)
  }, FEED_CARDS)
}

/** Runs the session of `example` on `page` (already at the site) for the user `label`. */
export async function runSession(
  page: Page,
  example: PipelineExample,
  ledger: Ledger,
  label: string,
): Promise<void> {
  await tracked(ledger, label, 'page_view', 1)
  for (const name of NAV) await page.getByRole('button', { name, exact: true }).click()
  if (example === 'script-tag') {
    await page.waitForFunction(() => 'tracker' in window)
    await page.locator('#action-card h2').click()
    await page.click('#start')
    await page.click('#complete')
    await page.click('#reward')
    await tracked(ledger, label, 'recommend_impression', 1)
    await page.click('#recommendation-toggle')
    await page.click('#recommendation-toggle')
    await page.click('#recommendation-open')
    await showFeed(page)
    await tracked(ledger, label, 'recommend_impression', 1 + FEED_CARDS)
  } else {
    const bridge = page.getByTestId('card_bridge_001')
    await bridge.locator('h2').click()
    await bridge.getByRole('button', { name: 'Start' }).click()
    await bridge.getByRole('button', { name: 'Complete' }).click()
    await bridge.getByRole('button', { name: 'Claim reward' }).click()
    await page.getByTestId('card_mint_002').getByRole('button', { name: 'Start' }).click()
    for (const [i, delivery] of ['dlv_demo_001', 'dlv_demo_002'].entries()) {
      const slot = page.getByTestId(delivery)
      await slot.evaluate((element) => element.scrollIntoView({ block: 'center' }))
      await tracked(ledger, label, 'recommend_impression', i + 1)
      await slot.getByRole('button', { name: 'Details' }).click()
      await slot.getByRole('button', { name: 'Details' }).click()
      await slot.getByRole('button', { name: 'Try it' }).click()
      await slot.getByRole('button', { name: 'Mark done' }).click()
    }
    await page.getByTestId('banner').evaluate((element) => element.scrollIntoView())
    await tracked(ledger, label, 'recommend_impression', 3)
    await page.getByRole('button', { name: 'More for you' }).click()
    await page.getByTestId('feed').evaluate((element) => element.scrollIntoView())
    await tracked(ledger, label, 'recommend_impression', 3 + FEED_CARDS)
  }
}

/** What {@link runSession} tracks for one user of `example`, by event name. */
export function sessionCounts(example: PipelineExample): Record<string, number> {
  if (example === 'script-tag') {
    return {
      page_view: 1,
      navbar_click: 4,
      card_click: 1,
      action_start: 1,
      action_complete: 1,
      reward_claim: 1,
      recommend_impression: 1 + FEED_CARDS,
      recommend_expand_collapse: 2,
      recommend_click: 1,
    }
  }
  return {
    page_view: 1,
    navbar_click: 4,
    card_click: 1,
    action_start: 2,
    action_complete: 1,
    reward_claim: 1,
    recommend_impression: 3 + FEED_CARDS,
    recommend_expand_collapse: 4,
    recommend_click: 2,
    recommend_complete: 2,
  }
}
