import { createStore, delMany, getMany, keys, setMany } from 'idb-keyval'

/**
 * The tiny key-value interface the queue persists through. IndexedDB (via idb-keyval) is one
 * implementation, memory another; tests may pass their own.
 */
export interface KeyValueStore {
  /** Reads values in the order of `keys`; `undefined` for a missing key. */
  getMany(keys: string[]): Promise<unknown[]>
  /** Writes all entries in one transaction. */
  setMany(entries: [string, unknown][]): Promise<void>
  /** Deletes all keys in one transaction. */
  delMany(keys: string[]): Promise<void>
  /** Every key in the store. */
  keys(): Promise<string[]>
}

/** A store that lives as long as the page: for private modes, quota errors and SSR. */
export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>()
  return {
    getMany: async (ks) => ks.map((k) => map.get(k)),
    setMany: async (entries) => entries.forEach(([k, v]) => map.set(k, v)),
    delMany: async (ks) => ks.forEach((k) => map.delete(k)),
    keys: async () => [...map.keys()],
  }
}

/** IndexedDB through idb-keyval, one database per app so apps on one origin never mix. */
export function createIndexedDbStore(appId: string): KeyValueStore {
  const db = createStore(`trackpoint:${appId}`, 'events')
  return {
    getMany: (ks) => getMany(ks, db),
    setMany: (entries) => setMany(entries, db),
    delMany: (ks) => delMany(ks, db),
    keys: () => keys<string>(db),
  }
}

/**
 * IndexedDB when it works, so tracking goes on where it does not (private modes, quota, a
 * missing `indexedDB`). A failed operation is tried once more on a new connection — the
 * browser closes connections under memory pressure or on a storage reset, and the old one then
 * fails for good — and only a second failure switches to memory for the rest of the page's
 * life; `onFallback` tells the tracker once.
 */
export function createPersistentStore(
  appId: string,
  onFallback: (cause: unknown) => void,
): KeyValueStore {
  const memory = createMemoryStore()
  let active: KeyValueStore
  const fallBack = (cause: unknown): KeyValueStore => {
    if (active !== memory) {
      active = memory
      onFallback(cause)
    }
    return memory
  }
  try {
    active = createIndexedDbStore(appId)
  } catch (cause) {
    active = memory
    // Reported on the next tick so the tracker's own setup has finished.
    setTimeout(() => onFallback(cause), 0)
  }
  const guarded =
    <A extends unknown[], R>(call: (store: KeyValueStore, ...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(active, ...args)
      } catch {
        try {
          if (active !== memory) active = createIndexedDbStore(appId)
          return await call(active, ...args)
        } catch (cause) {
          return call(fallBack(cause), ...args)
        }
      }
    }
  return {
    getMany: guarded((s, ks: string[]) => s.getMany(ks)),
    setMany: guarded((s, entries: [string, unknown][]) => s.setMany(entries)),
    delMany: guarded((s, ks: string[]) => s.delMany(ks)),
    keys: guarded((s) => s.keys()),
  }
}
