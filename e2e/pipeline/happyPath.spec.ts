// Scenario 1 of issue 11: the happy path through each example (script tag, React, Vue) and the
// scaled pipeline, every component its own process — Chromium → collector → Kafka → consumer →
// ClickHouse engine → stats API. Several users act at once; every event_id is accounted for.
import { expect, test } from '@playwright/test'
import { Ledger } from './support/ledger'
import { startPipeline, type Pipeline } from './support/pipeline'
import { startPipelineSite, type PipelineExample } from './support/pipelineSite'
import { runSession, sessionCounts } from './support/session'

const USERS = 3
let pipeline: Pipeline
// One ledger for the file: the store holds every example's events, so each test balances
// everything tracked so far.
const ledger = new Ledger()

test.describe.configure({ mode: 'serial' })
test.beforeAll(async () => {
  pipeline = await startPipeline({ brokerPort: 23092 })
})
test.afterAll(async () => {
  await pipeline?.close()
})

for (const example of ['script-tag', 'react', 'vue'] satisfies PipelineExample[]) {
  test(`${example}: every event of ${USERS} users is stored once and counted`, async ({
    browser,
  }) => {
    test.setTimeout(240_000)
    const site = await startPipelineSite(example, pipeline.endpoint)
    try {
      await Promise.all(
        Array.from({ length: USERS }, async (_, i) => {
          const label = `${example}-user-${i}`
          const context = await browser.newContext()
          try {
            await ledger.watch(context, label)
            const page = await context.newPage()
            await page.goto(site.url)
            await runSession(page, example, ledger, label)
            // Leaving hands what is queued to the exit beacon, as a user closing the tab does.
            await page.goto(site.blankUrl)
            await ledger.readJournal(page, label)
          } finally {
            await context.close()
          }
        }),
      )
      for (let i = 0; i < USERS; i++) {
        const counts: Record<string, number> = {}
        for (const e of ledger.of(`${example}-user-${i}`)) {
          counts[e.event_name] = (counts[e.event_name] ?? 0) + 1
        }
        expect(counts, `what ${example}-user-${i} tracked`).toMatchObject(sessionCounts(example))
      }
      const accounts = await pipeline.settle(ledger)
      console.log(
        `[${example}] ${JSON.stringify({ ...accounts, problems: accounts.problems.length })}`,
      )
      expect(accounts.problems).toEqual([])
      expect(accounts.stored).toBe(ledger.tracked.size)
    } finally {
      await site.close()
    }
  })
}
