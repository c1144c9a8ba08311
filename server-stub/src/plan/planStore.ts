import type { InstalledPlan } from './installedPlan'

/**
 * Where a server keeps the plan it follows, shared by every role that uses it: a file in the
 * data dir (embedded, one process) or the `tracking_plan` Kafka topic (scaled, every process
 * reads it from the start and follows it).
 */
export interface PlanStore {
  /** The plan in force now. Cheap: the collector reads it for every request. */
  current(): InstalledPlan
  /**
   * Whether `current` is known to be the deployment's plan: false while a process has not yet
   * read the plan topic (a broker away at start), when `current` may lag behind it.
   */
  known(): boolean
  /**
   * Runs `prepare` on the current plan and makes its `installed` the current plan of every
   * process that shares the store, durably (a restart keeps it). Installs run one at a time.
   * Rejects with what `prepare` threw, or an `HttpError` (409 when another process installed
   * the same version first, 503 when the store cannot be written now).
   */
  install<T extends { installed: InstalledPlan }>(
    prepare: (current: InstalledPlan) => T,
  ): Promise<T>
  /** Stops following the store. Never rejects. */
  close(): Promise<void>
}

/** Runs `work` after the previous call's work settled: installs one at a time. */
export function createSerialQueue() {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work)
    tail = run.catch(() => undefined)
    return run
  }
}
