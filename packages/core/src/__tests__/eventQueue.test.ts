import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createEventQueue, type QueuedEvent, type QueueLimits } from '../eventQueue'
import { createIndexedDbStore, createMemoryStore, type KeyValueStore } from '../storage'

const LIMITS: QueueLimits = { maxQueueEvents: 1000, maxQueueBytes: 1_000_000, maxBatchEvents: 3 }
const NONE = new Set<string>()
const keep = () => true
const share = () => false

/** Events e1…en (or prefix1…), `bytes` bytes each, with timestamps 1000, 2000, … */
const events = (n: number, prefix = 'e', bytes = 10): QueuedEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i + 1}`,
    t: (i + 1) * 1000,
    json: JSON.stringify({ event_id: `${prefix}${i + 1}`, timestamp: (i + 1) * 1000 }),
    bytes,
  }))

const ids = (list: QueuedEvent[]) => list.map((e) => e.id)

/** What the store holds, key by key in key order: each value is one event's JSON per line. */
async function stored(store: KeyValueStore): Promise<string[][]> {
  const keys = (await store.keys()).sort()
  const values = (await store.getMany(keys)) as string[]
  return values.map((text) => text.split('\n').map((line) => JSON.parse(line).event_id))
}

const setup = (limits: Partial<QueueLimits> = {}, store = createMemoryStore()) => {
  const onDrop = vi.fn<(count: number, reason: 'dropped' | 'expired' | 'corrupt') => void>()
  return { store, onDrop, queue: createEventQueue(store, { ...LIMITS, ...limits }, onDrop) }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('createEventQueue: write', () => {
  it('writes events in segments of maxBatchEvents, one store key each', async () => {
    const { store, queue } = setup()
    await queue.write(events(7), keep, NONE)
    expect(await stored(store)).toEqual([['e1', 'e2', 'e3'], ['e4', 'e5', 'e6'], ['e7']])
    expect(queue.count()).toBe(7)
  })

  it('names keys after the write time so that they sort by time', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { store, queue } = setup()
    vi.setSystemTime(2_000_000_000_000)
    await queue.write(events(1, 'late'), keep, NONE)
    vi.setSystemTime(1_000_000_000_000)
    await queue.write(events(1, 'early'), keep, NONE)
    expect(await stored(store)).toEqual([['early1'], ['late1']])
  })

  it('holds events in the index while the write runs, but takes only stored ones', async () => {
    const memory = createMemoryStore()
    let finish = () => {}
    const slow: KeyValueStore = {
      ...memory,
      setMany: (entries) =>
        new Promise<void>((resolve) => {
          finish = () => void memory.setMany(entries).then(resolve)
        }),
    }
    const { queue } = setup({}, slow)
    const writing = queue.write(events(2), keep, NONE)
    expect(ids(queue.pending(NONE))).toEqual(['e1', 'e2'])
    expect(queue.take(10, 1000, NONE, 0)).toEqual([])
    finish()
    await writing
    expect(ids(queue.take(10, 1000, NONE, 0))).toEqual(['e1', 'e2'])
  })

  it('leaves the events of a tab that does not send (keep() false) only in the store', async () => {
    const { store, queue } = setup()
    await queue.write(events(4), share, NONE)
    expect(queue.count()).toBe(0)
    expect(queue.pending(NONE)).toEqual([])
    expect(queue.take(10, 1000, NONE, 0)).toEqual([])
    expect(await stored(store)).toEqual([['e1', 'e2', 'e3'], ['e4']])
  })
})

describe('createEventQueue: take', () => {
  it('takes the oldest events, at most maxEvents', async () => {
    const { queue } = setup()
    await queue.write(events(7), keep, NONE)
    expect(ids(queue.take(5, 1000, NONE, 0))).toEqual(['e1', 'e2', 'e3', 'e4', 'e5'])
  })

  it('takes no more than maxBytes of events', async () => {
    const { queue } = setup()
    await queue.write(events(5, 'e', 10), keep, NONE)
    expect(ids(queue.take(100, 25, NONE, 0))).toEqual(['e1', 'e2'])
    expect(ids(queue.take(100, 30, NONE, 0))).toEqual(['e1', 'e2', 'e3'])
  })

  it('skips events that are in flight', async () => {
    const { queue } = setup()
    await queue.write(events(5), keep, NONE)
    expect(ids(queue.take(2, 1000, new Set(['e1', 'e3']), 0))).toEqual(['e2', 'e4'])
  })

  it('returns a single event larger than maxBytes rather than nothing', async () => {
    const { queue } = setup()
    await queue.write(events(2, 'big', 500), keep, NONE)
    expect(ids(queue.take(10, 100, NONE, 0))).toEqual(['big1'])
  })

  it('returns nothing when every stored event is in flight', async () => {
    const { queue } = setup()
    await queue.write(events(2), keep, NONE)
    expect(queue.take(10, 1000, new Set(['e1', 'e2']), 0)).toEqual([])
  })

  it('drops events older than `oldest` and reports them as expired', async () => {
    const { store, queue, onDrop } = setup()
    await queue.write(events(5), keep, NONE) // t = 1000 … 5000
    expect(ids(queue.take(10, 1000, NONE, 3000))).toEqual(['e3', 'e4', 'e5'])
    expect(onDrop).toHaveBeenCalledExactlyOnceWith(2, 'expired')
    expect(await stored(store)).toEqual([['e3'], ['e4', 'e5']])
    expect(queue.count()).toBe(3)
  })

  it('does not expire events that are in flight', async () => {
    const { queue, onDrop } = setup()
    await queue.write(events(3), keep, NONE)
    expect(ids(queue.take(10, 1000, new Set(['e1']), 10_000))).toEqual([])
    expect(onDrop).toHaveBeenCalledExactlyOnceWith(2, 'expired')
    expect(ids(queue.pending(NONE))).toEqual(['e1'])
  })
})

describe('createEventQueue: remove and pending', () => {
  it('deletes the keys of fully confirmed segments', async () => {
    const { store, queue } = setup()
    await queue.write(events(7), keep, NONE)
    await queue.remove(new Set(['e1', 'e2', 'e3', 'e7']))
    await queue.flush()
    expect(await stored(store)).toEqual([['e4', 'e5', 'e6']])
    expect(await store.keys()).toHaveLength(1)
    expect(queue.count()).toBe(3)
  })

  it('rewrites a segment that lost only some of its events', async () => {
    const { store, queue } = setup()
    await queue.write(events(3), keep, NONE)
    const [key] = await store.keys()
    await queue.remove(new Set(['e2']))
    expect(await store.keys()).toEqual([key])
    expect(await stored(store)).toEqual([['e1', 'e3']])
  })

  it('lists unconfirmed events oldest first, leaving out those in flight and removed', async () => {
    const { queue } = setup()
    await queue.write(events(5), keep, NONE)
    const inFlight = new Set(ids(queue.take(2, 1000, NONE, 0)))
    expect(ids(queue.pending(inFlight))).toEqual(['e3', 'e4', 'e5'])
    await queue.remove(inFlight)
    expect(ids(queue.pending(NONE))).toEqual(['e3', 'e4', 'e5'])
  })
})

describe('createEventQueue: deleting acknowledged segments', () => {
  it('deletes emptied segments together 250 ms later, and load ignores them meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { store, queue } = setup()
    const delMany = vi.spyOn(store, 'delMany')
    await queue.write(events(9), keep, NONE)
    await queue.remove(new Set(['e1', 'e2', 'e3']))
    await queue.remove(new Set(['e4', 'e5', 'e6']))
    expect(await store.keys()).toHaveLength(3)
    await queue.load(NONE)
    expect(ids(queue.pending(NONE))).toEqual(['e7', 'e8', 'e9'])
    await vi.advanceTimersByTimeAsync(250)
    expect(delMany).toHaveBeenCalledOnce()
    expect(await stored(store)).toEqual([['e7', 'e8', 'e9']])
  })
})

describe('createEventQueue: bounds', () => {
  it('drops the oldest events beyond maxQueueEvents and reports how many', async () => {
    const { store, queue, onDrop } = setup({ maxQueueEvents: 5 })
    await queue.write(events(4), keep, NONE)
    await queue.write(events(4, 'f'), keep, NONE)
    expect(onDrop).toHaveBeenCalledExactlyOnceWith(3, 'dropped')
    expect(ids(queue.pending(NONE))).toEqual(['e4', 'f1', 'f2', 'f3', 'f4'])
    await queue.flush()
    expect((await stored(store)).flat()).toEqual(['e4', 'f1', 'f2', 'f3', 'f4'])
  })

  it('drops the oldest events beyond maxQueueBytes', async () => {
    const { queue, onDrop } = setup({ maxQueueBytes: 35 })
    await queue.write(events(5, 'e', 10), keep, NONE)
    expect(onDrop).toHaveBeenCalledExactlyOnceWith(2, 'dropped')
    expect(ids(queue.pending(NONE))).toEqual(['e3', 'e4', 'e5'])
  })

  it('drops the oldest events that are not in flight', async () => {
    const { queue, onDrop } = setup({ maxQueueEvents: 3 })
    await queue.write(events(5), keep, new Set(['e1']))
    expect(onDrop).toHaveBeenCalledExactlyOnceWith(2, 'dropped')
    expect(ids(queue.pending(NONE))).toEqual(['e1', 'e4', 'e5'])
  })

  it('reports nothing while the queue is within its bounds', async () => {
    const { queue, onDrop } = setup({ maxQueueEvents: 5 })
    await queue.write(events(5), keep, NONE)
    expect(onDrop).not.toHaveBeenCalled()
  })
})

describe('createEventQueue: load (segments from other tabs)', () => {
  it('picks up segments another queue wrote to the same store, in key order', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const memory = createMemoryStore()
    // IndexedDB lists keys sorted; a store that lists them backwards shows load sorts itself.
    const store: KeyValueStore = { ...memory, keys: async () => (await memory.keys()).reverse() }
    const tabA = setup({}, store).queue
    const tabB = setup({}, store).queue
    const sender = setup({}, store).queue
    vi.setSystemTime(1_000_000)
    await tabA.write(events(4, 'a'), share, NONE)
    vi.setSystemTime(2_000_000)
    await tabB.write(events(2, 'b'), share, NONE)
    vi.setSystemTime(3_000_000)
    await tabA.write(events(1, 'c'), share, NONE)
    await sender.load(NONE)
    expect(ids(sender.pending(NONE))).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'c1'])
    expect(ids(sender.take(100, 1000, NONE, 0))).toEqual(ids(sender.pending(NONE)))
  })

  it('merges loaded segments with its own in key order, without duplicates', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const store = createMemoryStore()
    const other = setup({}, store).queue
    const { queue: sender } = setup({}, store)
    vi.setSystemTime(1_000_000)
    await other.write(events(1, 'old'), share, NONE)
    vi.setSystemTime(2_000_000)
    await sender.write(events(1, 'own'), keep, NONE)
    vi.setSystemTime(3_000_000)
    await other.write(events(1, 'new'), share, NONE)
    await sender.load(NONE)
    await sender.load(NONE)
    expect(ids(sender.pending(NONE))).toEqual(['old1', 'own1', 'new1'])
  })

  it('does not load again a segment that an overlapping load loaded and the collector confirmed meanwhile', async () => {
    // Two tabs announce their writes at once: the sending tab runs two loads that both list
    // the segment; the second one's read is slow (IndexedDB busy) and returns the value read
    // before the confirmed segment's delete.
    const memory = createMemoryStore()
    let reads = 0
    let releaseSlowRead = () => {}
    const store: KeyValueStore = {
      ...memory,
      getMany: async (keys) => {
        const values = await memory.getMany(keys)
        if (++reads === 2) await new Promise<void>((resolve) => (releaseSlowRead = resolve))
        return values
      },
    }
    const other = setup({}, store).queue
    const { queue: sender } = setup({}, store)
    await other.write(events(3, 'b'), share, NONE)
    const first = sender.load(NONE)
    const second = sender.load(NONE)
    await first
    const batch = sender.take(100, 1000, NONE, 0)
    expect(ids(batch)).toEqual(['b1', 'b2', 'b3'])
    await sender.remove(new Set(ids(batch)))
    releaseSlowRead()
    await second
    expect(ids(sender.pending(NONE))).toEqual([])
    expect(sender.take(100, 1000, NONE, 0)).toEqual([])
  })

  it('keeps write order within one millisecond, even past 36 segments', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(1_000_000)
    const store = createMemoryStore()
    const writer = setup({ maxBatchEvents: 1 }, store).queue
    const { queue: sender } = setup({ maxBatchEvents: 1 }, store)
    const written = events(40)
    await writer.write(written, share, NONE)
    await sender.load(NONE)
    expect(ids(sender.pending(NONE))).toEqual(ids(written))
  })

  it('reads a large backlog 5 segments per task, oldest first, every event once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] })
    vi.setSystemTime(1_000_000)
    const memory = createMemoryStore()
    const reads: number[] = []
    const store: KeyValueStore = {
      ...memory,
      getMany: (keys) => (reads.push(keys.length), memory.getMany(keys)),
    }
    // 12 segments of 3 events.
    const written = events(36)
    await setup({}, store).queue.write(written, share, NONE)
    const { queue: sender } = setup({}, store)
    const loading = sender.load(NONE)
    await new Promise((resolve) => setImmediate(resolve))
    // One slice, then the task ends: the rest waits for a later task (a timer here).
    expect(reads).toEqual([5])
    expect(ids(sender.take(100, 1_000_000, NONE, 0))).toEqual(ids(written.slice(0, 15)))
    await vi.runAllTimersAsync()
    await loading
    expect(reads).toEqual([5, 5, 2])
    expect(ids(sender.pending(NONE))).toEqual(ids(written))
  })

  it('resolves in a task of its own after reading, so a send that follows is not added to it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const store = createMemoryStore()
    await setup({}, store).queue.write(events(6), share, NONE)
    const { queue: sender } = setup({}, store)
    let loaded = false
    const loading = sender.load(NONE).then(() => (loaded = true))
    await new Promise((resolve) => setImmediate(resolve))
    expect(sender.count()).toBe(6)
    expect(loaded).toBe(false)
    await vi.runAllTimersAsync()
    await loading
    expect(loaded).toBe(true)
  })

  it('drops the oldest loaded events beyond the bounds', async () => {
    const store = createMemoryStore()
    await setup({}, store).queue.write(events(6), share, NONE)
    const { queue: sender, onDrop } = setup({ maxQueueEvents: 4 }, store)
    await sender.load(NONE)
    expect(onDrop).toHaveBeenCalledExactlyOnceWith(2, 'dropped')
    expect(ids(sender.pending(NONE))).toEqual(['e3', 'e4', 'e5', 'e6'])
  })
})

describe('createEventQueue: load of values it cannot read', () => {
  const line = (id: string, t = 1000) => JSON.stringify({ event_id: id, timestamp: t })

  it('skips, deletes and reports a bad segment, and loads every segment after it', async () => {
    const store = createMemoryStore()
    await store.setMany([
      ['000000001.old.000000', 'not json at all'],
      ['000000002.old.000001', { events: [{ event_id: 'x' }] }], // an object, from an older version
      ['000000003.tab.000000', [line('a1'), line('a2')].join('\n')],
      ['000000004.tab.000001', line('b1')],
    ])
    const { queue, onDrop } = setup({}, store)
    await expect(queue.load(NONE)).resolves.toBeUndefined()
    expect(ids(queue.pending(NONE))).toEqual(['a1', 'a2', 'b1'])
    expect(onDrop).toHaveBeenCalledExactlyOnceWith(2, 'corrupt')
    expect((await store.keys()).sort()).toEqual(['000000003.tab.000000', '000000004.tab.000001'])
  })

  it('keeps the good lines of a segment with a truncated line, and rewrites it without', async () => {
    const store = createMemoryStore()
    const good = [line('a1'), line('a2')]
    await store.setMany([['000000001.tab.000000', [good[0], '{"event_id":"a', good[1]].join('\n')]])
    const { queue, onDrop } = setup({}, store)
    await queue.load(NONE)
    expect(ids(queue.pending(NONE))).toEqual(['a1', 'a2'])
    expect(onDrop).toHaveBeenCalledExactlyOnceWith(1, 'corrupt')
    expect(await store.getMany(['000000001.tab.000000'])).toEqual([good.join('\n')])
  })

  it('refuses lines without a string event_id or a number timestamp', async () => {
    const store = createMemoryStore()
    const lines = [
      JSON.stringify({ timestamp: 1 }),
      JSON.stringify({ event_id: 'a', timestamp: '1' }),
      'null',
      line('ok'),
    ]
    await store.setMany([['000000001.tab.000000', lines.join('\n')]])
    const { queue, onDrop } = setup({}, store)
    await queue.load(NONE)
    expect(ids(queue.pending(NONE))).toEqual(['ok'])
    expect(onDrop).toHaveBeenCalledExactlyOnceWith(3, 'corrupt')
  })

  it('reads key by key when reading all at once fails between listing and reading', async () => {
    const memory = createMemoryStore()
    await memory.setMany([
      ['000000001.tab.000000', line('a1')],
      ['000000002.tab.000001', line('b1')],
      ['000000003.tab.000002', line('c1')],
    ])
    const quota = () => new DOMException('quota exceeded', 'QuotaExceededError')
    // The batch read fails; so does the read of b's record alone (it cannot be read now).
    const store: KeyValueStore = {
      ...memory,
      getMany: async (keys) => {
        if (keys.length > 1 || keys[0] === '000000002.tab.000001') throw quota()
        return memory.getMany(keys)
      },
    }
    const { queue, onDrop } = setup({}, store)
    await queue.load(NONE)
    expect(ids(queue.pending(NONE))).toEqual(['a1', 'c1'])
    expect(onDrop).not.toHaveBeenCalled()
    // b is left in the store, unharmed, and loads once it can be read.
    expect(await memory.keys()).toContain('000000002.tab.000001')
    const { queue: later } = setup({}, memory)
    await later.load(NONE)
    expect(ids(later.pending(NONE))).toEqual(['a1', 'b1', 'c1'])
  })
})

describe('createEventQueue: written', () => {
  it('resolves after the writes under way have settled', async () => {
    const memory = createMemoryStore()
    let finish = () => {}
    const slow: KeyValueStore = {
      ...memory,
      setMany: (entries) =>
        new Promise<void>((resolve) => (finish = () => void memory.setMany(entries).then(resolve))),
    }
    const { queue } = setup({}, slow)
    void queue.write(events(2), keep, NONE)
    let done = false
    const waiting = queue.written().then(() => (done = true))
    await Promise.resolve()
    expect(done).toBe(false)
    finish()
    await waiting
    expect(ids(queue.take(10, 1000, NONE, 0))).toEqual(['e1', 'e2'])
  })
})

describe('createEventQueue on IndexedDB (fake-indexeddb)', () => {
  it('writes, takes, removes, and lets another instance load what is left', async () => {
    const { queue } = setup({}, createIndexedDbStore('queue-idb'))
    await queue.write(events(7), keep, NONE)
    const batch = queue.take(3, 1000, NONE, 0)
    expect(ids(batch)).toEqual(['e1', 'e2', 'e3'])
    await queue.remove(new Set([...ids(batch), 'e5']))
    await queue.flush()

    const store = createIndexedDbStore('queue-idb')
    expect(await stored(store)).toEqual([['e4', 'e6'], ['e7']])
    const { queue: reloaded } = setup({}, store)
    await reloaded.load(NONE)
    expect(ids(reloaded.take(10, 1000, NONE, 0))).toEqual(['e4', 'e6', 'e7'])
  })
})
