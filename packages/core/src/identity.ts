import { createLocalStore } from './localStore'
import { uuid } from './uuid'

interface Session {
  id: string
  start: number
  last: number
  /** The landing page's attribution (utm_* parameters, referrer_domain), for its page views. */
  a?: Record<string, string>
}

const UTM = ['source', 'medium', 'campaign', 'term', 'content']

/**
 * Where the visit that starts a session came from: the landing URL's five `utm_*` parameters
 * and, when the page was reached from another host, that host as `referrer_domain`.
 */
const attribution = (): Record<string, string> => {
  const a: Record<string, string> = {}
  const query = new URLSearchParams(location.search)
  for (const name of UTM) {
    const value = query.get('utm_' + name)
    if (value) a['utm_' + name] = value
  }
  try {
    const host = new URL(document.referrer).hostname
    if (host && host !== location.hostname) a.referrer_domain = host
  } catch {
    // no referrer, or not a URL
  }
  return a
}

/** The ids an event carries, which a reset in another tab may have to replace. */
export interface Stamped {
  user_id: string
  anonymous_id: string
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
export function createIdentity(
  appId: string,
  timeout: number,
  maxAge: number,
  writable?: () => boolean,
) {
  // Nothing is written while `writable()` is false (no consent): the ids live in memory.
  const { get, set } = createLocalStore(appId, writable)
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

    /** The device's anonymous id, sent on every event beside `userId`. */
    get anonymousId() {
      return anonymousId
    },

    /** The current session's attribution, which its page views carry. */
    get attribution() {
      return session?.a
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
        session = live(stored, now)
          ? stored
          : { id: uuid(), start: now, last: now, a: attribution() }
        saveSession()
      }
      if (activity && now > session.last) session.last = now
      return session.id
    },

    /**
     * Attaches later events to `id`. True when that links the anonymous id to a user it was
     * not linked to (not on a reload, nor when the same user is identified again).
     */
    identify(id: string): boolean {
      const linked = id !== userId && id !== anonymousId
      userId = id
      set('user', id)
      return linked
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
          event.anonymous_id = anonymousId
          if (event.user_id === user) event.user_id = userId
          if (event.session_id === old) event.session_id = identity.sessionId(event.timestamp)
        }
      }
      if (session) saveSession()
    },

    /**
     * Opt-out: removes the ids and the session from the device and starts over in memory with
     * a new anonymous id, which nothing links to the old one.
     */
    forget(): void {
      retired = session = undefined
      for (const name of ['anon', 'user', 'session', 'reset']) set(name, null)
      anonymousId = userId = uuid()
    },

    /**
     * Consent given: stores the ids and session kept in memory until now. When another tab
     * already stored an anonymous id, this tab takes it up (as after a reset there).
     */
    persist(): void {
      sync()
      if (!get('anon')) set('anon', anonymousId)
      if (userId !== anonymousId) set('user', userId)
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
