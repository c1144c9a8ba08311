// SPA navigation without a router dependency: history.pushState / replaceState are wrapped once
// for the whole page and `popstate` covers back/forward (and fragment navigation). Listeners run
// after the URL changed, so `location` (and the `page` field of events) is the new route.

const listeners = new Set<() => void>()
let installed = false

function notify(): void {
  for (const listener of [...listeners]) {
    try {
      listener()
    } catch {
      // Our own capture helpers; tracking never throws into the app's navigation.
    }
  }
}

function install(): void {
  if (installed) return
  installed = true
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method]
    // Never unwrapped: a router or another tool may have wrapped ours since, and restoring the
    // original would cut them out. With no listener left the wrapper only forwards the call.
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args)
      notify()
      return result
    }
  }
  addEventListener('popstate', notify)
}

/**
 * Calls `listener` after every `history.pushState`, `history.replaceState` and `popstate`,
 * whether or not the URL changed; listeners compare routes themselves.
 * @returns The unsubscribe function.
 */
export function onRouteChange(listener: () => void): () => void {
  install()
  listeners.add(listener)
  return () => void listeners.delete(listener)
}
