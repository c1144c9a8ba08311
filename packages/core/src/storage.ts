import { createStore, del, getMany, keys, set } from 'idb-keyval'

/**
 * The tiny key-value interface the queue persists through. IndexedDB (via idb-keyval) is one
 * implementation, memory another; tests may pass their own.
 */
export interface KeyValueStore {
  getMany(keys: string[]): Promise<unknown[]>
  set(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  keys(): Promise<string[]>
}

/** A store that lives as long as the page: for private modes, quota errors and SSR. */
export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>()
  return {
    getMany: async (ks) => ks.map((k) => map.get(k)),
    set: async (k, v) => void map.set(k, v),
    del: async (k) => void map.delete(k),
    keys: async () => [...map.keys()],
  }
}

/** IndexedDB through idb-keyval, one database per app so apps on one origin never mix. */
export function createIndexedDbStore(appId: string): KeyValueStore {
  const db = createStore(`trackpoint:${appId}`, 'events')
  return {
    getMany: (ks) => getMany(ks, db),
    set: (k, v) => set(k, v, db),
    del: (k) => del(k, db),
    keys: () => keys<string>(db),
  }
}

/**
 * IndexedDB when it works, memory from the first failure on (private modes, quota, a
 * missing `indexedDB`), so tracking goes on; `onFallback` tells the tracker once.
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
      } catch (cause) {
        return call(fallBack(cause), ...args)
      }
    }
  return {
    getMany: guarded((s, ks: string[]) => s.getMany(ks)),
    set: guarded((s, k: string, v: unknown) => s.set(k, v)),
    del: guarded((s, k: string) => s.del(k)),
    keys: guarded((s) => s.keys()),
  }
}
