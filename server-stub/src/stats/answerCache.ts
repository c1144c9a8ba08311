/**
 * Answers kept in this process and reused while their fingerprint holds: a fingerprint is read
 * from the store before the answer is computed, so an equal one later means that nothing the
 * answer depends on was stored in between. Least recently used entries go first.
 */

/** How many answers one cache keeps. */
export const ANSWER_CACHE_SIZE = 64

/** A bounded map from a key to the answer computed under a fingerprint. */
export interface AnswerCache<T> {
  /** A copy of the answer for `key` when it was computed under `fingerprint`. */
  get(key: string, fingerprint: string): T | undefined
  /** Keeps a copy of `value`, computed after `fingerprint` was read. */
  set(key: string, fingerprint: string, value: T): void
}

/** A cache of at most `size` answers; callers get copies, so they may change them. */
export function createAnswerCache<T>(size = ANSWER_CACHE_SIZE): AnswerCache<T> {
  const entries = new Map<string, { fingerprint: string; value: T }>()
  return {
    get(key, fingerprint) {
      const entry = entries.get(key)
      if (!entry || entry.fingerprint !== fingerprint) return undefined
      entries.delete(key)
      entries.set(key, entry)
      return structuredClone(entry.value)
    },
    set(key, fingerprint, value) {
      entries.delete(key)
      entries.set(key, { fingerprint, value: structuredClone(value) })
      for (const oldest of entries.keys()) {
        if (entries.size <= size) break
        entries.delete(oldest)
      }
    },
  }
}
