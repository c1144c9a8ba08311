import { uuid } from './uuid'

interface Session {
  id: string
  start: number
  last: number
}

/** The ids an event carries, which a reset in another tab may have to replace. */
export interface Stamped {
  user_id: string
  session_id: string
  timestamp: number
}

/**
 * Who and which session an event belongs to. The anonymous id, the identified user id and the
 * session live in localStorage (synchronous, so `track()` can read them without waiting) and
 * are shared by the app's tabs. A session ends after `timeout` ms without events or
 * `maxAge` ms after it began (§十一). `track()` only reads memory; `save()` runs in the
 * deferred drain.
 *
 * A `reset()` (log-out) in one tab is seen by the others through the `storage` event, and,
 * since that arrives later (a task of its own) and a tab may track in between, once more by
 * `save()` before events are stored: events tracked after the reset that carry the ids it
 * retired get the new ones. A tab never writes a retired session back.
 */
export function createIdentity(appId: string, timeout: number, maxAge: number) {
  const key = (name: string) => `trackpoint:${appId}:${name}`
  // localStorage throws in sandboxed iframes and some private modes: ids then last as long as
  // the page.
  const get = (name: string): string | null => {
    try {
      return localStorage.getItem(key(name))
    } catch {
      return null
    }
  }
  const set = (name: string, value: string | null): void => {
    try {
      if (value === null) localStorage.removeItem(key(name))
      else localStorage.setItem(key(name), value)
    } catch {
      // memory only
    }
  }
  let anonymousId = get('anon') ?? ''
  if (!anonymousId) set('anon', (anonymousId = uuid()))
  let userId = get('user') ?? anonymousId

  const read = (): Session | undefined => {
    try {
      return JSON.parse(get('session') ?? 'null') ?? undefined
    } catch {
      return undefined
    }
  }
  const live = (s: Session | undefined, now: number): s is Session =>
    !!s && now - s.last < timeout && now - s.start < maxAge
  let session = read()
  const saveSession = () => set('session', JSON.stringify(session))
  /** The ids another tab's reset took from this tab, until the events that carry them are fixed. */
  let retired: { at: number; user: string; session: string | undefined } | undefined

  /**
   * Catches up with a `reset()` in another tab, which its new anonymous id marks: one
   * localStorage read when there was none. (Another tab's `identify()` is left alone, as
   * before: a tab keeps the user it had until a reset or a reload.)
   */
  const sync = (): void => {
    const storedAnon = get('anon')
    if (storedAnon && storedAnon !== anonymousId) {
      const stored = read()
      retired = {
        at: Number(get('reset')) || 0,
        user: userId,
        // This tab may already have taken up the new session (its own had ended).
        session: session && session.id !== stored?.id ? session.id : undefined,
      }
      anonymousId = storedAnon
      userId = get('user') ?? storedAnon
      session = stored
    }
  }
  // Any key: a sync that finds nothing changed costs one read, and this stays small.
  addEventListener('storage', sync)

  const identity = {
    get userId() {
      return userId
    },

    /**
     * The session for an event at `now`, starting a new one when the current one ended.
     * `activity: false` only looks (the tracker's `sessionId` getter): it does not keep the
     * session alive.
     */
    sessionId(now: number, activity = true): string {
      if (!live(session, now)) {
        // Another tab may have kept the shared session alive while this one was idle.
        const stored = read()
        session = live(stored, now) ? stored : { id: uuid(), start: now, last: now }
        saveSession()
      }
      if (activity && now > session.last) session.last = now
      return session.id
    },

    identify(id: string): void {
      userId = id
      set('user', id)
    },

    /**
     * A new anonymous id and a new session, stored at once so that every tab takes them up;
     * the identified user is forgotten. The new anonymous id, which tells other tabs that a
     * reset happened, is written last: a tab sees localStorage changes in the order they were
     * made, so when it sees that id, the reset's time, session and user are already there.
     */
    reset(now = Date.now()): void {
      retired = undefined
      session = { id: uuid(), start: now, last: now }
      set('reset', String(now))
      saveSession()
      set('user', null)
      set('anon', (anonymousId = userId = uuid()))
    },

    /**
     * Catches up with the other tabs, gives `events` (about to be stored) tracked after a reset
     * there the new ids in place of the ones it retired, and persists the session's last
     * activity so other tabs and the next visit see it.
     */
    save(events: Stamped[] = []): void {
      sync()
      if (retired) {
        const { at, user, session: old } = retired
        retired = undefined
        for (const event of events) {
          if (event.timestamp < at) continue
          if (event.user_id === user) event.user_id = userId
          if (event.session_id === old) event.session_id = identity.sessionId(event.timestamp)
        }
      }
      if (session) saveSession()
    },

    /** Stops listening to the other tabs. */
    stop(): void {
      removeEventListener('storage', sync)
    },
  }
  return identity
}

/** The identity type returned by {@link createIdentity}. */
export type Identity = ReturnType<typeof createIdentity>
