// The scaled pipeline of one spec, every component its own OS process: a Kafka broker
// (scripts/kafka/start.sh), a collector (`--roles collector`) behind the recording proxy, and a
// consumer with the stats API (`--roles consumer,stats`: the two share one chdb data directory,
// which two processes cannot open, so they run in one process). `settle()` waits for the stats
// to match the ledger, then reads the store and balances the accounts.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { startBroker, type Broker } from './kafkaBroker'
import {
  allAcknowledged,
  balance,
  compareStats,
  statsProblems,
  type Accounts,
  type Ledger,
  type StoredRow,
} from './ledger'
import { waitForZeroLag } from './metrics'
import { startRecordingProxy, type RecordingProxy } from './recordingProxy'
import { ADMIN_TOKEN, startRole, type RoleProcess } from './serverProcess'
import { waitUntil } from './waitUntil'

const run = promisify(execFile)
const READ_STORE = fileURLToPath(new URL('./readStore.mjs', import.meta.url))

/**
 * Every stored event of a chdb data directory whose process is stopped, read in a child
 * process (chdb binds one directory per process, and the test runner's would be taken).
 */
export async function readStoreDir(dataDir: string): Promise<StoredRow[]> {
  const { stdout } = await run(process.execPath, [READ_STORE, dataDir], {
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  const { rows } = JSON.parse(stdout) as {
    rows: [string, number, number, string, string, number][]
  }
  return rows.map(([event_id, copies, raw, event_name, user_id, timestamp]) => ({
    event_id,
    copies: Number(copies),
    raw: Number(raw),
    event_name,
    user_id,
    timestamp: Number(timestamp),
  }))
}

/** Options of {@link startPipeline}. */
export interface PipelineOptions {
  /** The broker's port, in the suite's range 23092–23098 (even; the controller takes +1). */
  brokerPort: number
  /** Extra environment of the collector process. */
  collectorEnv?: Record<string, string>
  /** Extra environment of the consumer+stats process. */
  consumerEnv?: Record<string, string>
}

/** A running pipeline. */
export interface Pipeline {
  broker: Broker
  collector: RoleProcess
  /** The consumer and stats roles, one process. */
  consumer: RoleProcess
  proxy: RecordingProxy
  /** Where the pages send: the proxy in front of the collector. */
  endpoint: string
  dataDir: string
  /** GET a stats route with the admin token. */
  stats(path: string): Promise<Record<string, unknown>>
  /**
   * Stops the consumer+stats process (SIGTERM), reads every stored event from its data
   * directory in a child process, and starts it again.
   */
  readStored(): Promise<StoredRow[]>
  /**
   * Waits (≤ `timeout` ms) until the stats API equals what the ledger predicts, then balances
   * the ledger against the proxy's record and the store. Returns the accounts; their `problems`
   * list stats that never matched, too.
   */
  settle(ledger: Ledger, options?: { timeout?: number; mustNotStore?: string[] }): Promise<Accounts>
  /** Stops every process and deletes the data. */
  close(): Promise<void>
}

/** Starts broker, collector, consumer+stats and proxy. */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const broker = await startBroker(options.brokerPort)
  const dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-pipeline-'))
  const cleanups: (() => Promise<unknown>)[] = [
    () => broker.dispose(),
    () => rm(dataDir, { recursive: true, force: true }),
  ]
  try {
    const collector = await startRole({
      name: 'collector',
      roles: 'collector',
      brokers: broker.brokers,
      env: options.collectorEnv,
    })
    cleanups.unshift(() => collector.stop())
    const consumer = await startRole({
      name: 'consumer+stats',
      roles: 'consumer,stats',
      brokers: broker.brokers,
      dataDir,
      env: options.consumerEnv,
    })
    cleanups.unshift(() => consumer.stop())
    const proxy = await startRecordingProxy(collector.url)
    cleanups.unshift(() => proxy.close())

    const stats = async (path: string) => {
      const response = await fetch(`${consumer.url}${path}`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
        signal: AbortSignal.timeout(15_000),
      })
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`)
      return (await response.json()) as Record<string, unknown>
    }
    const readStored = async (): Promise<StoredRow[]> => {
      await consumer.stop()
      try {
        return await readStoreDir(dataDir)
      } finally {
        await consumer.restart()
      }
    }
    return {
      broker,
      collector,
      consumer,
      proxy,
      endpoint: proxy.url,
      dataDir,
      stats,
      readStored,
      async settle(ledger, { timeout = 60_000, mustNotStore = [] } = {}) {
        const deadline = Date.now() + timeout
        const left = () => Math.max(1000, deadline - Date.now())
        for (;;) {
          let lastProblems: string[] = []
          try {
            // First every tracked event acknowledged: a page may still be waiting out a
            // back-off with events that move no number of the stats (navbar_click), and an
            // event the collector acknowledges while the store is being read below would look
            // lost after its acknowledgement.
            await waitUntil(() => allAcknowledged(ledger.events(), proxy.requests), {
              timeout: left(),
              interval: 250,
              what: 'the collector to acknowledge every tracked event',
            })
            await waitUntil(
              async () => {
                lastProblems = statsProblems(
                  await compareStats(ledger.events(), consumer.url, ADMIN_TOKEN),
                )
                return lastProblems.length === 0
              },
              { timeout: left(), interval: 500, what: 'the stats API to match the ledger' },
            )
            // Events that move no number (page_duration, web vitals) are stored too: wait
            // until the consumer has committed everything the collector acknowledged.
            await waitForZeroLag(consumer.url, { timeout: 30_000, interval: 250 })
          } catch {
            // Reported with the accounts below: the store tells which events are missing.
          }
          // The answers as they stand before the store is read: what is acknowledged later is
          // not in this read of the store either.
          const answered = [...proxy.requests]
          const stored = await readStored()
          // A page that is still open may track while the store is read (an impression whose
          // second of visibility ended then): that event is neither acknowledged in `answered`
          // nor stored yet, which is no loss. Go round again while there is time.
          if (!allAcknowledged(ledger.events(), answered) && Date.now() < deadline) continue
          const accounts = balance(ledger, answered, stored, { mustNotStore })
          accounts.problems.push(...lastProblems)
          return accounts
        }
      },
      async close() {
        for (const cleanup of cleanups) await cleanup().catch(() => undefined)
      },
    }
  } catch (error) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined)
    throw error
  }
}
