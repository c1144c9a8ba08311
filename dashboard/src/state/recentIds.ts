/**
 * The event ids a live view showed last, to drop the repeats of `GET /api/stats/live`: an answer
 * may return again the events stored within the last few seconds before the previous one (the
 * server re-reads that overlap so that an insert still running at a poll is not skipped).
 * Bounded: only the newest `capacity` ids are kept, the oldest forgotten first.
 */
export interface RecentIds {
  /**
   * The events of an answer that were not shown yet, in their order; remembers their ids.
   * A repeat within the answer itself is dropped too.
   */
  fresh<T extends { event_id: string }>(events: readonly T[]): T[]
  /** Forgets every id (the view starts over, e.g. with other filters). */
  clear(): void
}

/**
 * Creates a {@link RecentIds}.
 *
 * @param capacity - How many ids to keep: more than the events that a few answers within the
 *   server's overlap return.
 */
export function createRecentIds(capacity: number): RecentIds {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`createRecentIds: capacity must be a positive integer, got ${capacity}`)
  }
  // A Set iterates in insertion order: its first id is the oldest.
  const ids = new Set<string>()
  return {
    fresh(events) {
      const kept = events.filter((event) => {
        if (ids.has(event.event_id)) return false
        ids.add(event.event_id)
        return true
      })
      for (const id of ids) {
        if (ids.size <= capacity) break
        ids.delete(id)
      }
      return kept
    },
    clear: () => ids.clear(),
  }
}
