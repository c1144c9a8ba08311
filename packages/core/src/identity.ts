import { uuid } from './uuid'

interface Session {
  id: string
  start: number
  last: number
}

/** localStorage that never throws (it does in sandboxed iframes and some private modes). */
const local = {
  get(key: string): string | null {
    try {
      return localStorage.getItem(key)
    } catch {
      return null
    }
  },
  set(key: string, value: string | null): void {
    try {
      if (value === null) localStorage.removeItem(key)
      else localStorage.setItem(key, value)
    } catch {
      // memory only: ids then last as long as the page
    }
  },
}

/**
 * Who and which session an event belongs to. The anonymous id, the identified user id and the
 * session live in localStorage (synchronous, so `track()` can read them without waiting) and
 * are shared by the app's tabs. A session ends after `timeout` ms without events or
 * `maxAge` ms after it began (§十一). `track()` only reads memory; `save()` runs in the
 * deferred drain.
 */
export function createIdentity(appId: string, timeout: number, maxAge: number) {
  const key = (name: string) => `trackpoint:${appId}:${name}`
  let anonymousId = local.get(key('anon')) ?? ''
  if (!anonymousId) local.set(key('anon'), (anonymousId = uuid()))
  let userId = local.get(key('user')) ?? anonymousId

  const read = (): Session | undefined => {
    try {
      return JSON.parse(local.get(key('session')) ?? 'null') ?? undefined
    } catch {
      return undefined
    }
  }
  const live = (s: Session | undefined, now: number): s is Session =>
    !!s && now - s.last < timeout && now - s.start < maxAge
  let session = read()

  return {
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
        local.set(key('session'), JSON.stringify(session))
      }
      if (activity) session.last = now
      return session.id
    },

    identify(id: string): void {
      userId = id
      local.set(key('user'), id)
    },

    /** A new anonymous id and a new session; the identified user is forgotten. */
    reset(): void {
      local.set(key('anon'), (anonymousId = userId = uuid()))
      local.set(key('user'), null)
      session = undefined
      local.set(key('session'), null)
    },

    /** Persists the session's last activity so other tabs and the next visit see it. */
    save(): void {
      if (session) local.set(key('session'), JSON.stringify(session))
    },
  }
}

/** The identity type returned by {@link createIdentity}. */
export type Identity = ReturnType<typeof createIdentity>
