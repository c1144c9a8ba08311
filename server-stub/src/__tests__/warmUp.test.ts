// Warming (issue 12): the dashboard's opening answers are computed at start and just after
// each midnight of the configured zone, so the first open finds the overview's snapshot built.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../config'
import { createConsumerHandler } from '../consumer'
import type { Logger } from '../http/logger'
import { startServer, type RunningServer } from '../startServer'
import { nextZonedMidnight, scheduleWarmUp, zonedDay } from '../stats/warmUp'
import { acceptedEvent } from './fixtures'

const DAY = 86_400_000
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** Polls `check` until it is truthy or `ms` pass. */
async function until<T>(check: () => Promise<T>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

let dataDir: string
const servers: RunningServer[] = []
afterAll(async () => {
  for (const server of servers) await server.close()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

describe('warming at start', () => {
  it('builds the overview snapshots and paths builds of the last 7 and 30 days before anyone asks', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-warm-'))
    const errors: Record<string, unknown>[] = []
    const logger: Logger = { info: () => undefined, error: (entry) => errors.push(entry) }
    const start = (roles?: ('collector' | 'consumer' | 'stats')[]) =>
      startServer({
        roles,
        config: loadConfig({
          TRACKPOINT_DATA_DIR: dataDir,
          PORT: '0',
          TRACKPOINT_ADMIN_TOKEN: 'a',
        }),
        logger,
      })
    // Without the stats role, so that no warm-up runs before the events are stored.
    const first = await start(['collector', 'consumer'])
    const now = Date.now()
    await createConsumerHandler(first.store!).handle(
      [1, 2, 3, 10].map((n) =>
        acceptedEvent('page_view', { page_name: 'p' }, { timestamp: now - n * DAY, page: '/p' }),
      ),
    )
    await first.close()

    const server = await start()
    servers.push(server)
    const snapshots = () =>
      server.store!.query<{ from_date: string; to_date: string; pv: string }>(
        `SELECT toString(from_date) AS from_date, toString(to_date) AS to_date, toString(pv) AS pv
         FROM overview_snapshots WHERE kind = 'total' ORDER BY from_date DESC`,
      )
    const today = Date.parse(`${day(now)}T00:00:00Z`)
    // The closed days of each range: from 6 (29) days ago to yesterday, UTC.
    const expected = [
      { from_date: day(today - 6 * DAY), to_date: day(today - DAY), pv: '3' },
      { from_date: day(today - 29 * DAY), to_date: day(today - DAY), pv: '4' },
    ]
    expect(await until(async () => (await snapshots()).length === 2)).toBe(true)
    expect(await snapshots()).toEqual(expected)
    // And the kept builds of paths of both ranges, with the paths from a page at depth 4 counted.
    const pathBuilds = () =>
      server.store!.query<{ from_date: string; to_date: string; parts: string[] }>(
        `SELECT toString(from_date) AS from_date, toString(to_date) AS to_date,
           arraySort(groupArray(part)) AS parts
         FROM path_builds GROUP BY from_date, to_date, build_id ORDER BY from_date DESC`,
      )
    const hasBothRanges = async () =>
      (await pathBuilds()).filter((build) => build.parts.length === 2).length === 2
    expect(await until(hasBothRanges)).toBe(true)
    expect(await pathBuilds()).toEqual([
      { from_date: day(today - 6 * DAY), to_date: day(today), parts: ['from:4', 'sessions'] },
      { from_date: day(today - 29 * DAY), to_date: day(today), parts: ['from:4', 'sessions'] },
    ])
    expect(errors).toEqual([])
  }, 60_000)
})

describe('the warm-up schedule', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('finds the next midnight of the zone', () => {
    const t = Date.parse('2026-12-02T15:00:00Z')
    expect(new Date(nextZonedMidnight(t, 'UTC')).toISOString()).toBe('2026-12-03T00:00:00.000Z')
    // Shanghai is UTC+8: its midnight of Dec 3 is 16:00 UTC on Dec 2.
    expect(new Date(nextZonedMidnight(t, 'Asia/Shanghai')).toISOString()).toBe(
      '2026-12-02T16:00:00.000Z',
    )
    expect(zonedDay(t + 2 * 3_600_000, 'Asia/Shanghai')).toBe('2026-12-03')
  })

  it('runs at start and again just after each midnight, and stops', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-02T23:59:00Z') })
    const runs: string[] = []
    const logger: Logger = { info: () => undefined, error: () => undefined }
    const warm = scheduleWarmUp(async () => void runs.push(new Date().toISOString()), 'UTC', logger)
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toEqual(['2026-12-02T23:59:00.000Z'])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(runs).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(runs).toEqual(['2026-12-02T23:59:00.000Z', '2026-12-03T00:00:05.000Z'])
    await vi.advanceTimersByTimeAsync(DAY)
    expect(runs[2]).toBe('2026-12-04T00:00:05.000Z')
    warm.stop()
    await vi.advanceTimersByTimeAsync(2 * DAY)
    expect(runs).toHaveLength(3)
  })

  it('logs a failed warm-up and keeps the schedule', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-02T23:59:59Z') })
    const errors: Record<string, unknown>[] = []
    let calls = 0
    const warm = scheduleWarmUp(
      async () => {
        calls++
        throw new Error('store away')
      },
      'UTC',
      { info: () => undefined, error: (entry) => errors.push(entry) },
    )
    await vi.advanceTimersByTimeAsync(DAY)
    expect(calls).toBe(2)
    expect(errors[0]).toMatchObject({ msg: 'stats warm-up failed', error: 'store away' })
    warm.stop()
  })
})
