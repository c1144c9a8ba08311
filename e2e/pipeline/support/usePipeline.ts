// The set-up every single-pipeline spec shares: a pipeline (and a served example) for the
// file, started before its tests and closed after, and users — one browser context each, their
// pages watched by the ledger.
import { test, type Browser, type Page } from '@playwright/test'
import type { Ledger } from './ledger'
import { startPipeline, type Pipeline, type PipelineOptions } from './pipeline'
import { startPipelineSite, type PipelineExample, type PipelineSite } from './pipelineSite'

/** What {@link usePipeline} gives a spec; read inside tests (set in `beforeAll`). */
export interface PipelineHandle {
  readonly pipeline: Pipeline
  readonly site: PipelineSite
}

/**
 * Starts a pipeline and a served example for the spec file (`beforeAll`), closes both after
 * (`afterAll`).
 */
export function usePipeline(
  options: PipelineOptions & {
    example?: PipelineExample
    /** Tracker options merged into the example's. */
    trackerOptions?: Record<string, unknown>
    /** Runs once the pipeline is up, before the site starts. */
    prepare?: (pipeline: Pipeline) => Promise<void>
  },
): PipelineHandle {
  let pipeline: Pipeline | undefined
  let site: PipelineSite | undefined
  test.beforeAll(async () => {
    pipeline = await startPipeline(options)
    await options.prepare?.(pipeline)
    site = await startPipelineSite(
      options.example ?? 'script-tag',
      pipeline.endpoint,
      options.trackerOptions,
    )
  })
  test.afterAll(async () => {
    await site?.close()
    await pipeline?.close()
  })
  return {
    get pipeline() {
      if (!pipeline) throw new Error('usePipeline: read the pipeline inside a test')
      return pipeline
    },
    get site() {
      if (!site) throw new Error('usePipeline: read the site inside a test')
      return site
    },
  }
}

/** Opens `count` users (a browser context each, watched as `user-<i>`) at `url`. */
export function openUsers(
  browser: Browser,
  ledger: Ledger,
  url: string,
  count: number,
): Promise<Page[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const context = await browser.newContext()
      await ledger.watch(context, `user-${i}`)
      const page = await context.newPage()
      await page.goto(url)
      return page
    }),
  )
}
