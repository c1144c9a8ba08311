import { describe, expect, it } from 'vitest'
import { createMemoryBus } from '../bus/memoryBus'
import type { AcceptedEvent } from '../types'

const event = (id: string) => ({ event_id: id }) as AcceptedEvent

/** A promise with its resolve/reject, to hold a handler call open. */
function deferred() {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('createMemoryBus', () => {
  it('resolves publish only after the handler stored the events', async () => {
    const gate = deferred()
    const stored: string[] = []
    const bus = createMemoryBus({
      handle: async (events) => {
        await gate.promise
        stored.push(...events.map((e) => e.event_id))
      },
    })
    let acknowledged = false
    const publishing = bus.publish([event('a')]).then(() => (acknowledged = true))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(acknowledged).toBe(false)
    gate.resolve()
    await publishing
    expect(stored).toEqual(['a'])
    expect(bus.connected()).toBe(true)
  })

  it('rejects publish when the handler fails', async () => {
    const bus = createMemoryBus({ handle: () => Promise.reject(new Error('store down')) })
    await expect(bus.publish([event('a')])).rejects.toThrow('store down')
  })

  it('never overlaps handler calls and groups publishes made while it is busy', async () => {
    const gate = deferred()
    const calls: string[][] = []
    let running = 0
    let maxRunning = 0
    const bus = createMemoryBus({
      handle: async (events) => {
        running++
        maxRunning = Math.max(maxRunning, running)
        calls.push(events.map((e) => e.event_id))
        if (calls.length === 1) await gate.promise
        running--
      },
    })
    const first = bus.publish([event('a')])
    const rest = [bus.publish([event('b')]), bus.publish([event('c'), event('d')])]
    gate.resolve()
    await Promise.all([first, ...rest])
    expect(calls).toEqual([['a'], ['b', 'c', 'd']])
    expect(maxRunning).toBe(1)
  })

  it('fails every publish of a failed group, and later publishes go on', async () => {
    let fail = true
    const gate = deferred()
    const bus = createMemoryBus({
      handle: async (events) => {
        if (events[0]!.event_id === 'a') return gate.promise
        if (fail) throw new Error('insert failed')
      },
    })
    const first = bus.publish([event('a')])
    const grouped = [bus.publish([event('b')]), bus.publish([event('c')])]
    gate.resolve()
    await first
    const results = await Promise.allSettled(grouped)
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    fail = false
    await expect(bus.publish([event('d')])).resolves.toEqual({ refused: [] })
  })

  it('caps the events of one group', async () => {
    const gate = deferred()
    const sizes: number[] = []
    const bus = createMemoryBus(
      {
        handle: async (events) => {
          sizes.push(events.length)
          if (sizes.length === 1) await gate.promise
        },
      },
      { maxGroupEvents: 3 },
    )
    const all = [bus.publish([event('0')])]
    for (let i = 1; i <= 5; i++) all.push(bus.publish([event(String(i))]))
    gate.resolve()
    await Promise.all(all)
    expect(sizes).toEqual([1, 3, 2])
  })

  it('does not lose a publish made just as a drain finishes', async () => {
    const stored: string[] = []
    const bus = createMemoryBus({
      handle: (events) => {
        stored.push(...events.map((e) => e.event_id))
        return Promise.resolve()
      },
    })
    // Publish from the acknowledgement of the previous one, as a pipeline would.
    await bus.publish([event('a')]).then(() => bus.publish([event('b')]))
    expect(stored).toEqual(['a', 'b'])
  })

  it('finishes accepted publishes on close, then refuses new ones', async () => {
    const gate = deferred()
    const bus = createMemoryBus({ handle: () => gate.promise })
    const publishing = bus.publish([event('a')])
    const closing = bus.close()
    expect(bus.connected()).toBe(false)
    await expect(bus.publish([event('b')])).rejects.toThrow(/closed/)
    gate.resolve()
    await closing
    await expect(publishing).resolves.toEqual({ refused: [] })
  })
})
