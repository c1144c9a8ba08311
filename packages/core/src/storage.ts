import { createStore, promisifyRequest } from 'idb-keyval'

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

/**
 * IndexedDB through idb-keyval, one database per app so apps on one origin never mix. Only its
 * `createStore` and `promisifyRequest`: its `getMany`/`setMany`/… default their store argument
 * to a database of their own, which would be bundled with them though never opened.
 */
export function createIndexedDbStore(appId: string): KeyValueStore {
  const db = createStore(`trackpoint:${appId}`, 'events')
  const write = (each: (store: IDBObjectStore) => void) =>
    db('readwrite', (store) => (each(store), promisifyRequest(store.transaction)))
  return {
    getMany: (ks) =>
      db('readonly', (store) => Promise.all(ks.map((k) => promisifyRequest(store.get(k))))),
    setMany: (entries) => write((store) => entries.forEach(([k, v]) => store.put(v, k))),
    delMany: (ks) => write((store) => ks.forEach((k) => store.delete(k))),
    keys: () =>
      db('readonly', (store) => promisifyRequest(store.getAllKeys() as IDBRequest<string[]>)),
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
  // Each operation: on the current store, again on a new connection, then in memory.
  const guarded =
    <K extends keyof KeyValueStore>(name: K) =>
    async (arg?: unknown): Promise<never> => {
      const call = (store: KeyValueStore) => (store[name] as (a: unknown) => Promise<never>)(arg)
      try {
        return await call(active)
      } catch {
        try {
          if (active !== memory) active = createIndexedDbStore(appId)
          return await call(active)
        } catch (cause) {
          return call(fallBack(cause))
        }
      }
    }
  return {
    getMany: guarded('getMany'),
    setMany: guarded('setMany'),
    delMany: guarded('delMany'),
    keys: guarded('keys'),
  }
}
