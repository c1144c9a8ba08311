/** Bounds of one group handed to the committer. */
export interface GroupLimits {
  /** Most items in one group (a single larger submission still goes alone). */
  maxItems: number
  /** Most bytes in one group, as weighed by the submitter. @default Infinity */
  maxBytes?: number
}

interface Submission<T, R> {
  items: T[]
  bytes: number
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

/**
 * Group commit, shared by the buses: `commit` calls never overlap, and submissions that arrive
 * while one runs wait and go out together in the next call, within `limits`. A submission
 * resolves when the call that carried it succeeded and rejects with that call's error.
 * A commit that fails only some items says so in its result instead of rejecting (the memory
 * bus: rows the store refused), so the other submissions of its group still succeed.
 *
 * Why never overlap: the memory bus's consumer must see one batch after another (its §六 state
 * is per partition, as with Kafka), and concurrent produce requests of @platformatic/kafka 1.x
 * to one partition share an idempotence sequence number (see kafkaBus.ts).
 */
export function createGroupCommit<T, R = void>(
  commit: (items: T[]) => Promise<R>,
  limits: GroupLimits,
) {
  const maxBytes = limits.maxBytes ?? Infinity
  const waiting: Submission<T, R>[] = []
  let running: Promise<void> | undefined

  /** Takes submissions from the front until the group would pass a bound (at least one). */
  const takeGroup = (): Submission<T, R>[] => {
    const group: Submission<T, R>[] = []
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
        const result = await commit(group.flatMap((submission) => submission.items))
        group.forEach((submission) => submission.resolve(result))
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
    /**
     * Queues `items` (weighing `bytes`) for the next commit; settles with that commit (resolving
     * with its result, which is the whole group's: the caller picks out its own items).
     */
    submit(items: T[], bytes = 0): Promise<R> {
      return new Promise<R>((resolve, reject) => {
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
