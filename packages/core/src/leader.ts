import { electByLease } from './electByLease'

/**
 * Makes this tab the only one of the origin sending for `name` while it leads. With Web Locks
 * the browser grants the lock `name` to one tab at a time and passes it on when that tab gives
 * it up, closes or crashes. https://developer.mozilla.org/docs/Web/API/Web_Locks_API
 * Without them (plain-http pages, older browsers), or when the browser refuses the request,
 * a lease in localStorage elects the sending tab ({@link electByLease}).
 *
 * @param onLead - this tab now sends; may be called again after `onLose`
 * @param onLose - this tab lost the lead without `release` (the lease went to another tab);
 *   by default nothing is done
 * @returns `release`: gives the lead up, and withdraws a request not granted yet. A grant that
 *   arrives after it is handed back at once, without calling `onLead`.
 */
export function electLeader(
  name: string,
  onLead: () => void,
  onLose: () => void = () => undefined,
): () => void {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  if (!locks) return electByLease(name, onLead, onLose)
  let released = false
  let granted = false
  let fallback: (() => void) | undefined
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  // A queued request outlives the page's interest in it unless withdrawn: without the signal a
  // tab that gave up (bfcache, shutdown) would still be granted the lock later and send beside
  // the tab that holds it then.
  const abort = new AbortController()
  locks
    .request(name, { signal: abort.signal }, () => {
      // Granted before the withdrawal reached the browser: a grant cannot be refused, only
      // returned, and returning at once does that.
      if (released) return
      granted = true
      onLead()
      return held
    })
    .catch(() => {
      if (released) return // our own abort
      // Held, then lost (another context stole it); or refused (e.g. SecurityError in an
      // opaque origin): elect by lease instead.
      if (granted) onLose()
      else fallback = electByLease(name, onLead, onLose)
    })
  return () => {
    released = true
    release()
    abort.abort()
    fallback?.()
  }
}
