// The sending-tab election on Chromium's own Web Locks: a tab that gives up while its request
// still waits must never be granted the lock later. electLeader is bundled on its own and put
// in three pages of one secure origin (127.0.0.1).
import type { Page } from '@playwright/test'
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { expect, test } from './support/fixtures'

interface ElectionPage {
  led: number
  release(): void
}

type ElectLeader = (name: string, onLead: () => void) => () => void

declare global {
  interface Window {
    election: ElectionPage
  }
}

const bundle = async (): Promise<string> => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../packages/core/src/leader.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'Leader',
    write: false,
  })
  return result.outputFiles[0]!.text
}

/** Starts an election in `page`; `window.election.led` counts the times it was told to lead. */
async function elect(page: Page, code: string): Promise<void> {
  await page.addScriptTag({ content: code })
  await page.evaluate(() => {
    const { electLeader } = (window as unknown as { Leader: { electLeader: ElectLeader } }).Leader
    const election = { led: 0, release: () => undefined as void }
    election.release = electLeader('trackpoint:e2e', () => election.led++)
    window.election = election
  })
}

const led = (page: Page) => page.evaluate(() => window.election.led)

test('a tab that gives up while queued for the lock is never granted it; the next one is', async ({
  context,
  site,
}) => {
  const code = await bundle()
  const [a, b, c] = [await context.newPage(), await context.newPage(), await context.newPage()]
  for (const page of [a, b, c]) {
    await page.goto(site.blankUrl)
    expect(await page.evaluate(() => typeof navigator.locks), 'a secure origin').toBe('object')
    await elect(page, code)
  }
  await expect.poll(() => led(a)).toBe(1)
  const queued = () => a.evaluate(async () => (await navigator.locks.query()).pending?.length ?? 0)
  // B's and C's requests reach the lock manager on their own schedule: wait until both are queued.
  await expect.poll(queued, { message: 'B and C queued behind A' }).toBe(2)

  await b.evaluate(() => window.election.release()) // B leaves while queued (bfcache, shutdown)
  await expect.poll(queued, { message: 'B’s request was withdrawn' }).toBe(1)
  await a.evaluate(() => window.election.release())

  await expect.poll(() => led(c)).toBe(1)
  // Time for a grant to B, had its request stayed queued behind C's.
  await c.waitForTimeout(500)
  expect(await led(b), 'B led after it gave up').toBe(0)
})
