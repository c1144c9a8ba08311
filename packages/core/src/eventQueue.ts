import type { ResolvedOptions } from './options'
import { nextTask } from './nextTask'
import type { KeyValueStore } from './storage'
import { utf8Length } from './utf8Length'

/** One serialised event as the queue keeps it. */
export interface QueuedEvent {
  /** event_id */
  id: string
  /** the event's timestamp, for `maxEventAge` */
  t: number
  /** the event as JSON, serialised once in the deferred drain */
  json: string
  /** UTF-8 length of `json` */
  bytes: number
}

/** Events to leave alone (in flight, or carried by a page-exit beacon), by event_id. */
export type Busy = Pick<ReadonlySet<string>, 'has'>

interface Segment {
  key: string
  events: QueuedEvent[]
  /** false until the write to the store has resolved: such events may not be sent yet */
  stored: boolean
}

/**
 * Limits of {@link createEventQueue}: the queue's bounds, and `maxBatchEvents`, which is also
 * the size of a stored segment so that batches line up with segments.
 */
export type QueueLimits = Pick<
  ResolvedOptions,
  'maxQueueEvents' | 'maxQueueBytes' | 'maxBatchEvents'
>

/**
 * A segment is stored as one string, its events' JSON one per line (JSON text never holds a
 * raw newline): the structured clone IndexedDB makes of one string is a copy, while an array
 * of objects costs a walk per event (measured in docs/benchmarks.md).
 */
/**
 * Segments `load` reads and parses per task: a backlog of 10,000 events (100 segments) read at
 * once held a 4×-throttled CPU for 130–230 ms (docs/benchmarks.md), 10 segments 40–60 ms.
 */
const LOAD_SLICE = 5

const pack = (events: QueuedEvent[]): string => events.map((e) => e.json).join('\n')

/**
 * Reads a stored segment back. A line that is not an event this SDK wrote (truncated JSON, a
 * value from another version) is left out and counted, never thrown: one bad line must not
 * keep the rest of the queue from loading.
 */
const unpack = (text: string): [QueuedEvent[], number] => {
  const events: QueuedEvent[] = []
  let bad = 0
  for (const json of text.split('\n')) {
    try {
      const { event_id, timestamp } = JSON.parse(json) as { event_id: unknown; timestamp: unknown }
      if (typeof event_id === 'string' && event_id && typeof timestamp === 'number') {
        events.push({ id: event_id, t: timestamp, json, bytes: utf8Length(json) })
        continue
      }
    } catch {
      // counted below
    }
    bad++
  }
  return [events, bad]
}

/**
 * The persistent queue. Events are written to the store in segments (one key holds up to
 * `maxBatchEvents` events) so a burst costs one write per segment, not one per event, and an
 * acknowledged batch deletes whole keys. Keys start with the time so they sort oldest first.
 *
 * Every tab writes its own segments; only the sending tab keeps an index of all of them
 * (`load`), picks batches (`take`), and removes what the collector confirmed (`remove`).
 */
export function createEventQueue(
  store: KeyValueStore,
  limits: QueueLimits,
  onDrop: (count: number, reason: 'dropped' | 'expired' | 'corrupt') => void,
) {
  const tab = Math.random().toString(36).slice(2, 8)
  let seq = 0
  let segments: Segment[] = []
  /** Store writes under way, so `written()` can wait for them. */
  const writing = new Set<Promise<unknown>>()

  const count = () => segments.reduce((n, s) => n + s.events.length, 0)
  const bytes = () => segments.reduce((n, s) => s.events.reduce((m, e) => m + e.bytes, n), 0)
  /** Writes the segments of `list` that hold events, one key each, in one transaction. */
  const save = (list: Segment[]): Promise<unknown> => {
    list = list.filter((s) => s.events.length)
    return list.length ? store.setMany(list.map((s) => [s.key, pack(s.events)])) : Promise.resolve()
  }

  /**
   * Keys of emptied segments, deleted together a moment later: an IndexedDB transaction costs
   * the main thread ~0.2 ms, so a burst of acknowledgements shares one. Until then `load`
   * ignores them; if the page dies first, the next visit re-sends them (the server dedups).
   */
  const doomed = new Set<string>()
  let deleting: ReturnType<typeof setTimeout> | undefined
  const deleteDoomed = (): Promise<unknown> => {
    clearTimeout(deleting)
    deleting = undefined
    const keys = [...doomed]
    return keys.length
      ? store.delMany(keys).then(() => keys.forEach((k) => doomed.delete(k)))
      : Promise.resolve()
  }

  /** Rewrites the segments that lost events, and schedules deleting the emptied ones. */
  const rewrite = (changed: Set<Segment>): Promise<unknown> => {
    segments = segments.filter((s) => s.events.length)
    changed.forEach((s) => s.events.length || doomed.add(s.key))
    if (doomed.size) deleting ??= setTimeout(deleteDoomed, 250)
    return save([...changed])
  }

  /**
   * Removes events matching `drop` (visited oldest first) from the index and the store,
   * stopping after `limit` (acknowledged batches are the oldest events: the scan ends early).
   */
  const dropWhere = (
    drop: (e: QueuedEvent) => boolean,
    limit = Infinity,
  ): [number, Promise<unknown>] => {
    const changed = new Set<Segment>()
    let dropped = 0
    for (const segment of segments) {
      if (dropped >= limit) break
      const kept = segment.events.filter((e) => !drop(e))
      if (kept.length !== segment.events.length) {
        dropped += segment.events.length - kept.length
        segment.events = kept
        changed.add(segment)
      }
    }
    return [dropped, rewrite(changed)]
  }

  /** Keeps the queue within its limits by dropping the oldest events that are not in flight. */
  const enforceLimits = (inFlight: Busy): void => {
    let excessEvents = count() - limits.maxQueueEvents
    let excessBytes = bytes() - limits.maxQueueBytes
    if (excessEvents <= 0 && excessBytes <= 0) return
    const [dropped] = dropWhere((e) => {
      if ((excessEvents <= 0 && excessBytes <= 0) || inFlight.has(e.id)) return false
      excessEvents--
      excessBytes -= e.bytes
      return true
    })
    if (dropped) onDrop(dropped, 'dropped')
  }

  /**
   * Reads `keys` in one transaction; if that fails (a quota or I/O error, one record the
   * browser cannot read), key by key, so only what really fails is left unread (`undefined`).
   */
  const readEach = async (keys: string[]): Promise<unknown[]> => {
    try {
      return await store.getMany(keys)
    } catch {
      return Promise.all(
        keys.map((k) =>
          store.getMany([k]).then(
            ([v]) => v,
            () => undefined,
          ),
        ),
      )
    }
  }

  return {
    /** Events known to this tab's index. */
    count,

    /**
     * Writes events to the store in segments. They are in the index while the write runs (so
     * a page-exit beacon can carry them); afterwards they stay only if `keep()` — this tab
     * sends — and are otherwise left in the store for the sending tab to load.
     */
    async write(events: QueuedEvent[], keep: () => boolean, inFlight: Busy): Promise<void> {
      const written: Segment[] = []
      for (let i = 0; i < events.length; i += limits.maxBatchEvents) {
        const key = `${Date.now().toString(36).padStart(9, '0')}.${tab}.${(seq++).toString(36).padStart(6, '0')}`
        const segment: Segment = {
          key,
          events: events.slice(i, i + limits.maxBatchEvents),
          stored: false,
        }
        segments.push(segment)
        written.push(segment)
      }
      // One transaction for the whole drain.
      const write = save(written)
      writing.add(write)
      try {
        await write
      } finally {
        writing.delete(write)
      }
      written.forEach((s) => (s.stored = true))
      if (keep()) enforceLimits(inFlight)
      else segments = segments.filter((s) => !s.stored)
    },

    /** Resolves once every store write started before the call has settled. */
    written: (): Promise<unknown> => Promise.allSettled([...writing]),

    /**
     * Forgets the segments already stored (the store fell back to memory: those are in
     * IndexedDB, where the sending tab or the next visit finds them) and keeps the rest.
     */
    forgetStored(): void {
      segments = segments.filter((s) => !s.stored)
    },

    /**
     * Reads segments other tabs (or earlier visits) wrote that the index does not have yet.
     * A value that cannot be read back is deleted and reported (`corrupt`), and never keeps the
     * others from loading; a store that fails to read leaves its segments where they are.
     * Parsing yields to the page between slices, so a backlog of thousands loads without a
     * long task.
     */
    async load(inFlight: Busy): Promise<void> {
      const known = new Set([...segments.map((s) => s.key), ...doomed])
      const fresh = (await store.keys()).filter((k) => !known.has(k)).sort()
      if (!fresh.length) return
      let corrupt = 0
      /** Segments with bad lines: rewritten without them, or deleted when none was good. */
      const repaired = new Set<Segment>()
      for (let i = 0; i < fresh.length; i += LOAD_SLICE) {
        // Oldest first, a slice per task (what is loaded can be sent meanwhile); the caller
        // goes on in a task of its own too, so sending does not add to the last slice.
        if (i) await nextTask()
        const keys = fresh.slice(i, i + LOAD_SLICE)
        const values = await readEach(keys)
        keys.forEach((key, j) => {
          const text = values[j]
          // undefined: deleted meanwhile (confirmed by another sender) or not readable now;
          // another load (or a write) may have added the key meanwhile, and another load's
          // segment may have been sent and confirmed meanwhile (`doomed` until deleted: this
          // read came before the delete, so it resolves while the key is still doomed).
          if (text === undefined || doomed.has(key) || segments.some((s) => s.key === key)) return
          const [events, bad] = typeof text === 'string' ? unpack(text) : [[], 1]
          const segment = { key, events, stored: true }
          corrupt += bad
          if (events.length) segments.push(segment)
          if (bad) repaired.add(segment)
        })
        segments.sort((a, b) => (a.key < b.key ? -1 : 1))
      }
      if (corrupt) {
        onDrop(corrupt, 'corrupt')
        await Promise.all([rewrite(repaired), deleteDoomed()])
      }
      enforceLimits(inFlight)
      await nextTask()
    },

    /**
     * The oldest stored events not in flight, up to `maxEvents` and `maxBytes` in all.
     * Events older than `maxAge` are dropped on the way.
     */
    take(maxEvents: number, maxBytes: number, inFlight: Busy, oldest: number): QueuedEvent[] {
      // Events are in time order within a segment: only a segment whose first event is too old
      // can hold expired ones, so the full scan runs only then.
      if (segments.some((s) => s.events[0]!.t < oldest)) {
        const [expired] = dropWhere((e) => e.t < oldest && !inFlight.has(e.id))
        if (expired) onDrop(expired, 'expired')
      }
      const batch: QueuedEvent[] = []
      let size = 0
      for (const segment of segments) {
        if (!segment.stored) continue
        for (const e of segment.events) {
          if (inFlight.has(e.id)) continue
          if (batch.length >= maxEvents || (batch.length && size + e.bytes > maxBytes)) return batch
          batch.push(e)
          size += e.bytes
        }
      }
      return batch
    },

    /** Events that have not been confirmed, oldest first (for the page-hide beacon). */
    pending(inFlight: Busy): QueuedEvent[] {
      return segments.flatMap((s) => s.events.filter((e) => !inFlight.has(e.id)))
    },

    /** Removes confirmed or rejected events from the index and the store. */
    remove: (ids: Set<string>): Promise<unknown> => dropWhere((e) => ids.has(e.id), ids.size)[1],

    /**
     * Forgets every event and deletes every stored segment, this tab's and the others' (the
     * user opted out). A write under way finishes first: IndexedDB runs transactions that touch
     * one store in the order they were made.
     */
    clear(): Promise<unknown> {
      segments = []
      doomed.clear()
      return store.keys().then((keys) => store.delMany(keys))
    },

    /** Deletes acknowledged segments now (the page is going away). */
    flush: deleteDoomed,
  }
}

/** The queue type returned by {@link createEventQueue}. */
export type EventQueue = ReturnType<typeof createEventQueue>
