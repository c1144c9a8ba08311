// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  BEAT_MS,
  electByLease,
  HIDDEN_LEASE_MS,
  leaseStep,
  VISIBLE_LEASE_MS,
} from '../electByLease'
import { electLeader } from '../leader'
import { createFakeLocks } from './fakeLocks'
import { createFakeOrigin, type FakeTab } from './fakeOrigin'
import { seeded } from './seeded'

const NAME = 'trackpoint:app'
const KEY = `${NAME}:sender`
/** How long a write takes to reach the other tabs in {@link createFakeOrigin}. */
const PROPAGATION_MS = 20

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  })
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  localStorage.clear()
})

/** One tab's side of an election: whether it leads now, and every call it got in order. */
function candidate() {
  const calls: ('lead' | 'lose')[] = []
  const self = {
    leading: false,
    calls,
    onLead: () => {
      self.leading = true
      calls.push('lead')
    },
    onLose: () => {
      self.leading = false
      calls.push('lose')
    },
  }
  return self
}

describe('electLeader with Web Locks', () => {
  const useLocks = () => {
    const locks = createFakeLocks()
    vi.stubGlobal('navigator', { locks })
    return locks
  }
  /** Lets granted callbacks (each a task) and the promise chains after them run. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  }

  it('grants one tab at a time and passes the lead on when the holder releases', async () => {
    useLocks()
    const [a, b] = [candidate(), candidate()]
    const releaseA = electLeader(NAME, a.onLead, a.onLose)
    electLeader(NAME, b.onLead, b.onLose)
    await settle()
    expect([a.calls, b.calls]).toEqual([['lead'], []])
    releaseA()
    await settle()
    expect(b.calls).toEqual(['lead'])
  })

  it('withdraws a request not yet granted: with A holding and B, C queued, B then A leaving, only C leads', async () => {
    const locks = useLocks()
    const [a, b, c] = [candidate(), candidate(), candidate()]
    const releaseA = electLeader(NAME, a.onLead, a.onLose)
    const releaseB = electLeader(NAME, b.onLead, b.onLose)
    electLeader(NAME, c.onLead, c.onLose)
    await settle()
    expect(locks.state(NAME)).toEqual({ held: 1, pending: 2 })
    releaseB() // B leaves (bfcache, shutdown) while queued
    await settle()
    expect(locks.state(NAME)).toEqual({ held: 1, pending: 1 })
    releaseA()
    await settle()
    expect([b.calls, c.calls]).toEqual([[], ['lead']])
  })

  it('gives a lock granted after release back at once, without leading', async () => {
    const locks = useLocks()
    const [a, b, c] = [candidate(), candidate(), candidate()]
    const releaseA = electLeader(NAME, a.onLead, a.onLose)
    const releaseB = electLeader(NAME, b.onLead, b.onLose)
    electLeader(NAME, c.onLead, c.onLose)
    await settle()
    releaseA()
    // A's callback settles in microtasks: the lock is granted to B, whose callback waits for
    // a task. B leaves in between: too late to withdraw, so the grant must be handed back.
    for (let i = 0; i < 20; i++) await Promise.resolve()
    expect(locks.state(NAME)).toEqual({ held: 1, pending: 1 })
    releaseB()
    await settle()
    expect([b.calls, c.calls]).toEqual([[], ['lead']])
    expect(locks.state(NAME)).toEqual({ held: 1, pending: 0 })
  })

  it('tells a holder whose lock was stolen that it lost the lead', async () => {
    const locks = useLocks()
    const a = candidate()
    electLeader(NAME, a.onLead, a.onLose)
    await settle()
    void locks.request(NAME, { steal: true }, () => new Promise(() => undefined))
    await settle()
    expect(a.calls).toEqual(['lead', 'lose'])
  })

  it('elects by a lease in localStorage when the browser refuses the request', async () => {
    vi.stubGlobal('navigator', {
      locks: {
        request: () => Promise.reject(new DOMException('opaque origin', 'SecurityError')),
      },
    })
    const a = candidate()
    const release = electLeader(NAME, a.onLead, a.onLose)
    await settle()
    expect(localStorage.getItem(KEY)).toMatch(/ \d+$/)
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    expect(a.calls).toEqual(['lead'])
    release()
    expect(localStorage.getItem(KEY)).toBeNull()
  })
})

describe('leaseStep', () => {
  const now = 1_000_000
  const lease = (id: string, until: number) => `${id} ${until}`

  it('takes a lease that is free, lapsed, unreadable, or longer than any lasts; leads on its own in force', () => {
    expect(leaseStep(null, 'me', now)).toEqual([false, true])
    expect(leaseStep(lease('me', now + 1), 'me', now)).toEqual([true, true])
    expect(leaseStep(lease('me', now), 'me', now)).toEqual([false, true])
    expect(leaseStep(lease('other', now + 1), 'me', now)).toEqual([false, false])
    expect(leaseStep(lease('other', now + HIDDEN_LEASE_MS), 'me', now)).toEqual([false, false])
    expect(leaseStep(lease('other', now), 'me', now)).toEqual([false, true])
    expect(leaseStep(lease('other', now + HIDDEN_LEASE_MS + 1), 'me', now)).toEqual([false, true])
    for (const garbage of ['', 'other', 'other soon', '{"id":"other","until":2000000}'])
      expect(leaseStep(garbage, 'me', now)).toEqual([false, true])
  })
})

describe('electByLease (no Web Locks)', () => {
  let origin: ReturnType<typeof createFakeOrigin>
  beforeEach(() => (origin = createFakeOrigin(PROPAGATION_MS)))

  /** Opens a tab and starts its election. */
  const open = () => {
    const page = origin.open()
    const self = candidate()
    const release = electByLease(NAME, self.onLead, self.onLose, page.storage)
    return Object.assign(self, { page, release })
  }
  /** When the lease lapses, as `tab` sees it. */
  const until = (tab: { page: FakeTab }) => Number(tab.page.storage.getItem(KEY)?.split(' ')[1])
  const hide = (hidden: boolean) => vi.spyOn(document, 'hidden', 'get').mockReturnValue(hidden)

  it('leads a beat after it took the lease, not before, and renews the lease every beat', async () => {
    const start = Date.now()
    const a = open()
    await vi.advanceTimersByTimeAsync(BEAT_MS - 1)
    expect(a.calls).toEqual([])
    expect(until(a)).toBe(start + VISIBLE_LEASE_MS)
    await vi.advanceTimersByTimeAsync(1)
    expect(a.calls).toEqual(['lead'])
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    expect(until(a)).toBe(start + 2 * BEAT_MS + VISIBLE_LEASE_MS)
    expect(a.calls).toEqual(['lead'])
  })

  it.each([0, 1, PROPAGATION_MS - 1])(
    'makes exactly one of two tabs opened %i ms apart lead, though each sees the other write late',
    async (apart) => {
      const a = open()
      await vi.advanceTimersByTimeAsync(apart)
      const b = open()
      for (let t = 0; t < 60_000; t += 10) {
        await vi.advanceTimersByTimeAsync(10)
        expect(a.leading && b.leading, `two leaders at ${t + 10} ms`).toBe(false)
      }
      expect([a.calls, b.calls].sort()).toEqual([[], ['lead']])
    },
  )

  it('keeps a second tab waiting while the first leads, and hands over within two beats of a release', async () => {
    const a = open()
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    const b = open()
    await vi.advanceTimersByTimeAsync(10 * VISIBLE_LEASE_MS)
    expect([a.calls, b.calls]).toEqual([['lead'], []])
    a.release()
    await vi.advanceTimersByTimeAsync(PROPAGATION_MS)
    expect(b.page.storage.getItem(KEY), 'the lease went with the holder').toBeNull()
    await vi.advanceTimersByTimeAsync(2 * BEAT_MS - PROPAGATION_MS)
    expect(b.calls).toEqual(['lead'])
    expect(a.calls).toEqual(['lead']) // a release is no loss: the caller knows
  })

  it('replaces a crashed visible holder once its lease lapsed, within two beats more', async () => {
    const a = open()
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    const b = open()
    await vi.advanceTimersByTimeAsync(2 * BEAT_MS + 100)
    a.page.crash()
    await vi.advanceTimersByTimeAsync(until(b) - Date.now() - 1)
    expect(b.calls, 'not while the lease is in force').toEqual([])
    await vi.advanceTimersByTimeAsync(1 + 2 * BEAT_MS)
    expect(b.calls).toEqual(['lead'])
  })

  it('keeps a hidden holder’s lease for more than a minute without a beat (throttled timers), and replaces it in bounded time if it crashed', async () => {
    hide(true)
    const a = open()
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    const b = open()
    expect(until(a) - Date.now()).toBe(HIDDEN_LEASE_MS)
    a.page.crash() // no beat from now on, as in a page whose timers run once a minute, or never
    await vi.advanceTimersByTimeAsync(60_000)
    expect(b.calls, 'still waiting after a minute').toEqual([])
    await vi.advanceTimersByTimeAsync(HIDDEN_LEASE_MS - 60_000 + 2 * BEAT_MS)
    expect(b.calls).toEqual(['lead'])
  })

  it('stops leading on finding another tab’s lease in force, and leads again once it lapsed', async () => {
    const a = open()
    await vi.advanceTimersByTimeAsync(BEAT_MS + PROPAGATION_MS)
    origin.write(KEY, `other ${Date.now() + VISIBLE_LEASE_MS}`)
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    expect(a.calls).toEqual(['lead', 'lose'])
    await vi.advanceTimersByTimeAsync(VISIBLE_LEASE_MS + 2 * BEAT_MS)
    expect(a.calls).toEqual(['lead', 'lose', 'lead'])
  })

  it('stops leading on finding its own lease lapsed (the page was paused), and competes again', async () => {
    const a = open()
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    // A sleep: the clock moves on, no timer ran; another tab may have taken over meanwhile.
    vi.setSystemTime(Date.now() + 10 * VISIBLE_LEASE_MS)
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    expect(a.calls).toEqual(['lead', 'lose'])
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    expect(a.calls).toEqual(['lead', 'lose', 'lead'])
  })

  it('takes over a corrupt lease, and one lasting longer than any can (a clock set back)', async () => {
    origin.write(KEY, '{"holder":')
    const a = open()
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    expect(a.calls).toEqual(['lead'])
    a.release()
    origin.write(KEY, `other ${Date.now() + 24 * 3600_000}`)
    const b = open()
    await vi.advanceTimersByTimeAsync(BEAT_MS)
    expect(b.calls).toEqual(['lead'])
  })

  it('never calls back after release', async () => {
    const a = open()
    a.release()
    await vi.advanceTimersByTimeAsync(10 * BEAT_MS)
    expect(a.calls).toEqual([])
  })

  it('never has two tabs leading, and one soon, as tabs open, close, crash and hide at random', async () => {
    const random = seeded(9)
    const tabs: (ReturnType<typeof open> & { alive: boolean })[] = []
    // A hidden holder's lease lapses, then a beat to take it and one to lead.
    const bound = HIDDEN_LEASE_MS + 2 * BEAT_MS + PROPAGATION_MS
    const hidden = hide(false)
    let leaderlessSince: number | undefined
    for (let t = 0; t < 15 * 60_000; t += 50) {
      const r = random()
      const live = tabs.filter((tab) => tab.alive)
      const pick = live[Math.floor(random() * live.length)]
      if (r < 0.004 || !pick) tabs.push(Object.assign(open(), { alive: true }))
      else if (r < 0.006) {
        pick.release()
        pick.alive = false
      } else if (r < 0.007) {
        pick.page.crash()
        pick.alive = false
      } else if (r < 0.008) hidden.mockReturnValue(random() < 0.5)
      await vi.advanceTimersByTimeAsync(50)
      const leaders = tabs.filter((tab) => tab.alive && tab.leading)
      expect(leaders.length, `leaders at ${Date.now()} ms`).toBeLessThanOrEqual(1)
      if (leaders.length) leaderlessSince = undefined
      else leaderlessSince ??= Date.now()
      expect(Date.now() - (leaderlessSince ?? Date.now()), 'time without a leader').toBeLessThan(
        bound,
      )
    }
    expect(tabs.length).toBeGreaterThan(10)
  }, 30_000)
})

describe('electByLease on the page’s localStorage', () => {
  it('elects one of two trackers of a page when Web Locks are missing', async () => {
    const [a, b] = [candidate(), candidate()]
    const releaseA = electLeader(NAME, a.onLead, a.onLose)
    electLeader(NAME, b.onLead, b.onLose)
    expect(localStorage.getItem(KEY)).toMatch(/ \d+$/)
    await vi.advanceTimersByTimeAsync(10 * BEAT_MS)
    expect([a.calls, b.calls]).toEqual([['lead'], []])
    releaseA()
    await vi.advanceTimersByTimeAsync(2 * BEAT_MS)
    expect(b.calls).toEqual(['lead'])
  })

  it('sends anyway when localStorage is full, without throwing into the page', async () => {
    // Filled until not even one more character fits.
    for (let size = 1_000_000, i = 0; size >= 1; i++) {
      try {
        localStorage.setItem(`f${i}`, 'x'.repeat(size))
      } catch {
        size = Math.floor(size / 10)
      }
    }
    expect(() => localStorage.setItem('f', 'x')).toThrow(/quota/)
    const a = candidate()
    electByLease(NAME, a.onLead, a.onLose)
    expect(a.calls).toEqual(['lead'])
    await vi.advanceTimersByTimeAsync(10 * BEAT_MS)
    expect(a.calls).toEqual(['lead'])
  })

  it('sends alone when the page may not use localStorage (sandboxed frame)', async () => {
    vi.spyOn(window, 'localStorage', 'get').mockImplementation(() => {
      throw new DOMException('access denied', 'SecurityError')
    })
    const a = candidate()
    electByLease(NAME, a.onLead, a.onLose)
    expect(a.calls).toEqual(['lead'])
    await vi.advanceTimersByTimeAsync(10 * BEAT_MS)
    expect(a.calls).toEqual(['lead'])
  })
})
