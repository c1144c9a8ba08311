// @vitest-environment jsdom
// A storage failure in one tab must not strand any tab's events (issue: no event lost).
import 'fake-indexeddb/auto'
import { IDBDatabase } from 'fake-indexeddb'
import { describe, expect, it, vi } from 'vitest'
import { advance, cards, collector, errors, makeTracker, settle } from './trackerHarness'

describe('IndexedDB failing for good in the sending tab', () => {
  it('sends its own events from memory and gives the lock up, so another tab sends the stored rest', async () => {
    collector.respond(() => 'network-error')
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction')
    const tabA = makeTracker({ appId: 'shared_app', persist: true })
    await settle()
    const connectionA = transaction.mock.contexts[0] as IDBDatabase
    transaction.mockRestore()
    cards(tabA, 2) // card_0, card_1: stored in IndexedDB, not delivered yet
    await tabA.flush()
    const tabB = makeTracker({ appId: 'shared_app', persist: true })
    await settle()
    cards(tabB, 1, 2) // card_2: B does not send; it stores for the sending tab (A)
    await settle()

    // A's connection dies and IndexedDB cannot be opened again in A (B's connection still works).
    connectionA.close()
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('Internal error opening backing store', 'UnknownError')
    })
    collector.requests.length = 0 // from here on, count deliveries
    collector.respond(() => undefined)
    cards(tabA, 1, 3) // card_3: the write fails twice, A goes on in memory
    await advance(2000) // past A's back-off from the failed attempt
    cards(tabB, 1, 4) // card_4: stored by B after A lost IndexedDB
    await settle()
    await tabA.flush()
    await tabB.flush()

    expect(errors.filter((e) => e.kind === 'storage')).toHaveLength(1)
    // Every event exactly once: card_3 from A's memory, the stored ones by B, which now sends
    // (before, A kept the lock and read only its memory: card_4 was never sent).
    const batches = collector.requests.map((r) => r.body.events.map((e) => e.properties.card_id))
    expect(batches.flat().sort()).toEqual(['card_0', 'card_1', 'card_2', 'card_3', 'card_4'])
    expect(batches).toContainEqual(['card_3'])
  })

  it("with persist: false, every tab sends its own events (no tab can read another one's memory)", async () => {
    const tabA = makeTracker({ appId: 'memory_app' })
    const tabB = makeTracker({ appId: 'memory_app' })
    cards(tabA, 2)
    cards(tabB, 2, 2)
    await tabA.flush()
    await tabB.flush()
    expect(collector.events.map((e) => e.properties.card_id).sort()).toEqual([
      'card_0',
      'card_1',
      'card_2',
      'card_3',
    ])
  })
})
