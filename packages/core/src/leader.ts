/**
 * Makes this tab the only one sending for `name` while it lives: Web Locks grant the lock
 * to one tab of the origin at a time and pass it on when that tab closes or crashes.
 * https://developer.mozilla.org/docs/Web/API/Web_Locks_API
 * Without Web Locks every tab sends (duplicates are then possible; the server dedups on
 * event_id). Returns a function that gives the lock up.
 */
export function electLeader(name: string, onLeader: () => void): () => void {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  if (!locks) {
    onLeader()
    return () => undefined
  }
  let release: () => void = () => undefined
  const held = new Promise<void>((resolve) => (release = resolve))
  locks
    .request(name, () => {
      onLeader()
      return held
    })
    .catch(() => onLeader())
  return () => release()
}
