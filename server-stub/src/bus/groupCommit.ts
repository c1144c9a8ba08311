/** Bounds of one group handed to the committer. */
export interface GroupLimits {
  /** Most items in one group (a single larger submission still goes alone). */
  maxItems: number
  /** Most bytes in one group, as weighed by the submitter. @default Infinity */
  maxBytes?: number
}

interface Submission<T> {
  items: T[]
  bytes: number
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Group commit, shared by the buses: `commit` calls never overlap, and submissions that arrive
 * while one runs wait and go out together in the next call, within `limits`. A submission
 * resolves when the call that carried it succeeded and rejects with that call's error.
 *
 * Why never overlap: the memory bus's consumer must see one batch after another (its §六 state
 * is per partition, as with Kafka), and concurrent produce requests of @platformatic/kafka 1.x
 * to one partition share an idempotence sequence number (see kafkaBus.ts).
 */
export function createGroupCommit<T>(commit: (items: T[]) => Promise<void>, limits: GroupLimits) {
  const maxBytes = limits.maxBytes ?? Infinity
  const waiting: Submission<T>[] = []
  let running: Promise<void> | undefined

  /** Takes submissions from the front until the group would pass a bound (at least one). */
  const takeGroup = (): Submission<T>[] => {
    const group: Submission<T>[] = []
    let items = 0
    let bytes = 0
    while (waiting.length) {
      const next = waiting[0]!
      const tooBig = items + next.items.length > limits.maxItems || bytes + next.bytes > maxBytes
      if (group.length && tooBig) break
      group.push(waiting.shift()!)
      items += next.items.length
      bytes += next.bytes
    }
    return group
  }

  const drain = async (): Promise<void> => {
    while (waiting.length) {
      const group = takeGroup()
      try {
        await commit(group.flatMap((submission) => submission.items))
        group.forEach((submission) => submission.resolve())
      } catch (error) {
        group.forEach((submission) => submission.reject(error))
      }
    }
  }

  /** Starts draining unless it runs; a submission that lands while a drain winds down restarts it. */
  const kick = (): void => {
    if (running || !waiting.length) return
    running = drain().finally(() => {
      running = undefined
      kick()
    })
  }

  return {
    /** Queues `items` (weighing `bytes`) for the next commit; settles with that commit. */
    submit(items: T[], bytes = 0): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ items, bytes, resolve, reject })
        kick()
      })
    },
    /** Resolves once everything submitted so far has been committed or rejected. */
    async idle(): Promise<void> {
      while (running) await running
    },
  }
}
