// @vitest-environment jsdom
import { IDBDatabase, IDBFactory } from 'fake-indexeddb'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createIndexedDbStore, createMemoryStore, createPersistentStore } from '../storage'

const scope = globalThis as { indexedDB?: IDBFactory }
const original = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB')

beforeEach(() => {
  scope.indexedDB = new IDBFactory()
})

afterEach(() => {
  delete scope.indexedDB
  if (original) Object.defineProperty(globalThis, 'indexedDB', original)
})

describe('createMemoryStore', () => {
  it('sets, reads, lists and deletes keys, many at a time', async () => {
    const store = createMemoryStore()
    await store.setMany([['a', [1]]])
    await store.setMany([['b', { x: 2 }]])
    expect(await store.getMany(['b', 'missing', 'a'])).toEqual([{ x: 2 }, undefined, [1]])
    await store.delMany(['a'])
    expect(await store.keys()).toEqual(['b'])
  })
})

describe('createPersistentStore', () => {
  it('keeps data in IndexedDB, where a second store of the same app sees it', async () => {
    const onFallback = vi.fn()
    await createPersistentStore('shop', onFallback).setMany([['k', [1, 2]]])
    const again = createPersistentStore('shop', onFallback)
    expect(await again.getMany(['k'])).toEqual([[1, 2]])
    expect(await createIndexedDbStore('shop').keys()).toEqual(['k'])
    expect(await createPersistentStore('blog', onFallback).keys()).toEqual([])
    expect(onFallback).not.toHaveBeenCalled()
  })

  it('falls back to memory and reports once when indexedDB is missing', async () => {
    delete scope.indexedDB
    expect(typeof indexedDB).toBe('undefined')
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const onFallback = vi.fn()
    const store = createPersistentStore('shop', onFallback)
    await Promise.all([store.setMany([['a', 1]]), store.setMany([['b', 2]]), store.keys()])
    vi.runAllTimers()
    vi.useRealTimers()
    expect(onFallback).toHaveBeenCalledOnce()
    expect(await store.getMany(['a', 'b'])).toEqual([1, 2])
  })

  it('keeps working in memory after indexedDB went missing', async () => {
    delete scope.indexedDB
    const onFallback = vi.fn()
    const store = createPersistentStore('shop', onFallback)
    await store.setMany([['a', 1]])
    await store.setMany([['b', 2]])
    await store.delMany(['a'])
    expect(await store.keys()).toEqual(['b'])
    expect(await store.getMany(['b'])).toEqual([2])
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(onFallback).toHaveBeenCalledOnce()
  })

  it('falls back to memory and reports once when an IndexedDB operation throws', async () => {
    const onFallback = vi.fn()
    const store = createPersistentStore('shop', onFallback)
    await store.setMany([['before', 0]])
    // A function cannot be structured-cloned: IndexedDB's put throws DataCloneError.
    await store.setMany([['bad', () => 1]])
    expect(onFallback).toHaveBeenCalledOnce()
    expect(onFallback.mock.calls[0]![0]).toMatchObject({ name: 'DataCloneError' })
    await store.setMany([['after', 2]])
    await store.setMany([['bad again', () => 3]])
    expect(await store.getMany(['after'])).toEqual([2])
    expect(onFallback).toHaveBeenCalledOnce()
  })

  it('falls back when opening the database throws', async () => {
    vi.spyOn(scope.indexedDB!, 'open').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    })
    const onFallback = vi.fn()
    const store = createPersistentStore('shop', onFallback)
    await store.setMany([['a', 1]])
    expect(await store.getMany(['a'])).toEqual([1])
    expect(onFallback).toHaveBeenCalledOnce()
    expect(onFallback.mock.calls[0]![0]).toMatchObject({ name: 'QuotaExceededError' })
  })

  /** A persistent store with `a` written, and the IndexedDB connection it wrote it on. */
  async function storeAndConnection() {
    const onFallback = vi.fn()
    const store = createPersistentStore('shop', onFallback)
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction')
    await store.setMany([['a', 1]])
    const connection = transaction.mock.contexts[0] as IDBDatabase
    transaction.mockRestore()
    return { onFallback, store, connection }
  }

  it('goes on in IndexedDB on a new connection when the browser closed the old one', async () => {
    const { onFallback, store, connection } = await storeAndConnection()
    // A connection closed without a `close` event (Safari does this, and idb-keyval reopens
    // only on that event): every later transaction on it throws InvalidStateError.
    connection.close()
    await store.setMany([['b', 2]])
    expect(await store.keys()).toEqual(['a', 'b'])
    expect(onFallback).not.toHaveBeenCalled()
    expect(await createIndexedDbStore('shop').getMany(['a', 'b'])).toEqual([1, 2])
  })

  it('falls back once a new connection fails too', async () => {
    const { onFallback, store, connection } = await storeAndConnection()
    vi.spyOn(scope.indexedDB!, 'open').mockImplementation(() => {
      throw new DOMException('Internal error opening backing store', 'UnknownError')
    })
    connection.close()
    await store.setMany([['b', 2]])
    expect(onFallback).toHaveBeenCalledOnce()
    expect(onFallback.mock.calls[0]![0]).toMatchObject({ name: 'UnknownError' })
    expect(await store.getMany(['b'])).toEqual([2])
  })
})
