/**
 * The app's keys in localStorage (`trackpoint:<appId>:<name>`), shared by its tabs. localStorage
 * throws in sandboxed iframes and some private modes: values then last as long as the page.
 * Writes happen only while `writable()` (the user consented): before that, and once opted out,
 * nothing of the tracker is stored on the device. Removing is always allowed.
 */
export function createLocalStore(appId: string, writable: () => boolean = () => true) {
  const key = (name: string) => `trackpoint:${appId}:${name}`
  return {
    key,
    get(name: string): string | null {
      try {
        return localStorage.getItem(key(name))
      } catch {
        return null
      }
    },
    /** Stores `value`, or removes the key when `value` is `null`. */
    set(name: string, value: string | null): void {
      try {
        if (value === null) localStorage.removeItem(key(name))
        else if (writable()) localStorage.setItem(key(name), value)
      } catch {
        // memory only
      }
    },
  }
}

/** The store type returned by {@link createLocalStore}. */
export type LocalStore = ReturnType<typeof createLocalStore>
