/** How often a tab looks at the lease: the holder renews it, the others check if it lapsed. */
export const BEAT_MS = 5000
/** How long a lease written by a visible page lasts: three beats. */
export const VISIBLE_LEASE_MS = 15_000
/**
 * How long a lease written by a hidden page lasts. Chromium runs the timers of a page hidden
 * for five minutes once a minute ("intensive throttling"), so its beats come a minute apart.
 * https://developer.chrome.com/blog/timer-throttling-in-chrome-88
 */
export const HIDDEN_LEASE_MS = 75_000

/**
 * What tab `me` does on a beat, given the stored lease (`"<id> <until>"`, `until` in epoch
 * ms): whether it leads, and whether it writes the lease (renews its own, or takes one that is
 * free). A lease is in force until it lapses; one that lasts longer than any can (a clock set
 * back) or cannot be read (garbage, an old format) is free.
 *
 * A tab leads only on finding, a beat later, the lease it wrote still there: localStorage has
 * no compare-and-swap, two tabs may write at once and each sees the other's write only a
 * moment later, but a beat later both read the same, last, value.
 */
export function leaseStep(
  stored: string | null,
  me: string,
  now: number,
): [lead: boolean, write: boolean] {
  const [id, text] = (stored ?? '').split(' ')
  const until = Number(text)
  const inForce = until > now && until <= now + HIDDEN_LEASE_MS
  return [id === me && inForce, id === me || !inForce]
}

const pageStorage = (): Storage | undefined => {
  try {
    return localStorage
  } catch {
    return undefined // it throws in sandboxed frames and when storage is disabled
  }
}

/**
 * Elects one sending tab among the tabs of an origin without Web Locks: the holder of a lease
 * in localStorage (key `<name>:sender`). Every {@link BEAT_MS} each tab takes the lease
 * ({@link leaseStep}) if it is free, and the holder renews it, for {@link VISIBLE_LEASE_MS},
 * or {@link HIDDEN_LEASE_MS} while the page is hidden. A tab that releases removes its lease;
 * one that crashes loses it when it lapses; one that finds another tab's lease in force, or
 * its own lapsed (the page was paused: its successor's write may not have reached it yet),
 * stops leading. Without a usable localStorage every tab leads.
 *
 * @param onLead - this tab now sends; called again after `onLose` if it wins the lease back
 * @param onLose - this tab lost the lease without `release` (another tab may hold it now)
 * @param storage - the origin's localStorage, shared by its tabs (tests pass a fake one)
 * @returns `release`: stops electing and gives a held lease up
 */
export function electByLease(
  name: string,
  onLead: () => void,
  onLose: () => void,
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = pageStorage(),
): () => void {
  const key = `${name}:sender`
  const me = String(Math.random())
  let leading = false
  const lead = (yes: boolean) => {
    if (yes === leading) return
    leading = yes
    if (yes) onLead()
    else onLose()
  }
  const step = () => {
    // A storage that fails (quota, revoked permission) must neither stall delivery nor throw
    // into the app from a timer: the tab then sends, as without one.
    try {
      const now = Date.now()
      const [leads, writes] = leaseStep(storage!.getItem(key), me, now)
      if (writes) {
        storage!.setItem(
          key,
          `${me} ${now + (document.hidden ? HIDDEN_LEASE_MS : VISIBLE_LEASE_MS)}`,
        )
      }
      lead(leads)
    } catch {
      lead(true)
    }
  }
  const beat = setInterval(step, BEAT_MS)
  step()
  return () => {
    clearInterval(beat)
    leading = false
    try {
      if (storage!.getItem(key)?.startsWith(`${me} `)) storage!.removeItem(key)
    } catch {
      // it lapses instead
    }
  }
}
