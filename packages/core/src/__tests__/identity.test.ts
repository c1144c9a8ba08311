// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createIdentity } from '../identity'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const TIMEOUT = 30 * MINUTE
const MAX_AGE = 24 * HOUR
const T0 = Date.UTC(2024, 0, 15, 9, 0, 0)

const identity = (appId = 'shop') => createIdentity(appId, TIMEOUT, MAX_AGE)

beforeEach(() => {
  localStorage.clear()
})

describe('createIdentity: user ids', () => {
  it('makes an anonymous id and keeps it for the next instance (reload)', () => {
    const first = identity()
    expect(first.userId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(localStorage.getItem('trackpoint:shop:anon')).toBe(first.userId)
    expect(identity().userId).toBe(first.userId)
  })

  it('keeps the ids of different apps apart', () => {
    expect(identity('shop').userId).not.toBe(identity('blog').userId)
  })

  it('reports the identified user after identify, in this and the next instance', () => {
    const first = identity()
    const anonymous = first.userId
    first.identify('user-42')
    expect(first.userId).toBe('user-42')
    expect(identity().userId).toBe('user-42')
    expect(localStorage.getItem('trackpoint:shop:anon')).toBe(anonymous)
  })

  it('forgets the identified user on reset and makes a new anonymous id', () => {
    const first = identity()
    const anonymous = first.userId
    first.identify('user-42')
    first.reset()
    expect(first.userId).not.toBe('user-42')
    expect(first.userId).not.toBe(anonymous)
    expect(localStorage.getItem('trackpoint:shop:user')).toBeNull()
    expect(identity().userId).toBe(first.userId)
  })
})

describe('createIdentity: sessions', () => {
  it('keeps one session while events come less than 30 minutes apart', () => {
    const id = identity()
    const session = id.sessionId(T0)
    expect(id.sessionId(T0 + 29 * MINUTE)).toBe(session)
    expect(id.sessionId(T0 + 58 * MINUTE)).toBe(session)
    expect(id.sessionId(T0 + 87 * MINUTE)).toBe(session)
  })

  it('starts a new session after 30 minutes without events', () => {
    const id = identity()
    const first = id.sessionId(T0)
    const second = id.sessionId(T0 + TIMEOUT)
    expect(second).not.toBe(first)
    expect(id.sessionId(T0 + TIMEOUT + MINUTE)).toBe(second)
  })

  it('starts a new session 24 hours after the session began even when always active', () => {
    const id = identity()
    const first = id.sessionId(T0)
    for (let t = T0; t < T0 + MAX_AGE; t += 10 * MINUTE) expect(id.sessionId(t)).toBe(first)
    expect(id.sessionId(T0 + MAX_AGE)).not.toBe(first)
  })

  it('does not keep the session alive when it is only looked at', () => {
    const id = createIdentity('app', TIMEOUT, MAX_AGE)
    const session = id.sessionId(T0)
    expect(id.sessionId(T0 + 20 * MINUTE, false)).toBe(session)
    // Looked at 20 minutes in, but the last activity is still T0: over 30 minutes later it ended.
    expect(id.sessionId(T0 + TIMEOUT + MINUTE)).not.toBe(session)
  })

  it('starts a new session on reset', () => {
    const id = identity()
    const first = id.sessionId(T0)
    id.reset()
    expect(id.sessionId(T0 + MINUTE)).not.toBe(first)
  })

  it('continues the stored session after a reload within 30 minutes', () => {
    const first = identity()
    const session = first.sessionId(T0)
    first.save()
    expect(identity().sessionId(T0 + 10 * MINUTE)).toBe(session)
  })

  it('lets a second tab adopt the live session instead of starting its own', () => {
    const tabA = identity()
    const session = tabA.sessionId(T0)
    const tabB = identity()
    expect(tabB.sessionId(T0 + 5 * MINUTE)).toBe(session)
  })

  it('adopts the session another tab kept alive while this tab was idle', () => {
    const tabA = identity()
    const session = tabA.sessionId(T0)
    const tabB = identity()
    tabB.sessionId(T0 + 20 * MINUTE)
    tabB.save()
    // Tab A has been idle for 40 minutes, but tab B was active 20 minutes ago.
    expect(tabA.sessionId(T0 + 40 * MINUTE)).toBe(session)
  })

  it('does not adopt a stored session that has ended', () => {
    const tabA = identity()
    const session = tabA.sessionId(T0)
    tabA.save()
    expect(identity().sessionId(T0 + 31 * MINUTE)).not.toBe(session)
  })

  it('starts a new session when the stored one is not valid JSON', () => {
    localStorage.setItem('trackpoint:shop:session', '{not json')
    const id = identity()
    expect(id.sessionId(T0)).toMatch(/^[0-9a-f-]{36}$/)
    expect(JSON.parse(localStorage.getItem('trackpoint:shop:session')!)).toMatchObject({
      start: T0,
    })
  })
})

describe('createIdentity: reset() in another tab', () => {
  // Two tabs of one browser are two identities over the one localStorage. A real tab learns of
  // another's writes through a `storage` event, but later (a task of its own), and it may track
  // in between: events it stamped with the old ids before it knew must be fixed, not sent.
  const loggedInTabs = () => {
    const tabA = identity()
    tabA.identify('user-42')
    const tabB = identity()
    const session = tabA.sessionId(T0)
    expect(tabB.sessionId(T0 + 1)).toBe(session)
    return { tabA, tabB, session }
  }
  const stamp = (id: ReturnType<typeof identity>, timestamp: number) => ({
    user_id: id.userId,
    anonymous_id: id.anonymousId,
    session_id: id.sessionId(timestamp),
    timestamp,
  })

  it('restamps the events a tab tracked after the reset with the new ids before they are stored', () => {
    const { tabA, tabB, session } = loggedInTabs()
    const before = stamp(tabB, T0 + 30_000)
    tabA.reset(T0 + MINUTE)
    const after = stamp(tabB, T0 + 2 * MINUTE)
    expect(after.user_id).toBe('user-42') // tab B has not heard of the reset yet
    tabB.save([before, after])
    expect(before).toMatchObject({
      user_id: 'user-42',
      session_id: session,
      timestamp: T0 + 30_000,
    })
    expect(before.anonymous_id).not.toBe(tabA.anonymousId)
    expect(after.anonymous_id).toBe(tabA.anonymousId)
    expect(after.user_id).toBe(tabA.userId)
    expect(after.user_id).not.toBe('user-42')
    expect(after.session_id).toBe(tabA.sessionId(T0 + 3 * MINUTE))
    expect(after.session_id).not.toBe(session)
    expect(tabB.userId).toBe(tabA.userId)
  })

  it('never writes the old session back, so the tab that reset never takes it up again', () => {
    const { tabA, tabB, session } = loggedInTabs()
    tabA.reset(T0 + MINUTE)
    tabB.sessionId(T0 + 2 * MINUTE)
    tabB.save()
    expect(localStorage.getItem('trackpoint:shop:session')).not.toContain(session)
    expect(localStorage.getItem('trackpoint:shop:user')).toBeNull()
    expect(tabA.sessionId(T0 + 3 * MINUTE)).not.toBe(session)
    expect(identity().userId).not.toBe('user-42')
  })

  it('takes the new ids up as soon as the storage event of the reset arrives', () => {
    const { tabA, tabB, session } = loggedInTabs()
    const oldValue = localStorage.getItem('trackpoint:shop:anon')
    tabA.reset(T0 + MINUTE)
    window.dispatchEvent(
      new StorageEvent('storage', {
        key: 'trackpoint:shop:anon',
        oldValue,
        newValue: localStorage.getItem('trackpoint:shop:anon'),
        storageArea: localStorage,
      }),
    )
    expect(tabB.userId).toBe(tabA.userId)
    expect(tabB.sessionId(T0 + 2 * MINUTE)).not.toBe(session)
    expect(tabB.sessionId(T0 + 2 * MINUTE)).toBe(tabA.sessionId(T0 + 2 * MINUTE))
  })
  it('keeps its own identify() where localStorage throws (sandboxed frames)', () => {
    const id = identity()
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError')
    })
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError')
    })
    id.identify('user-42')
    id.save([])
    expect(id.userId).toBe('user-42')
  })
})
