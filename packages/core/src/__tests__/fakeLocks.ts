/**
 * `navigator.locks` for one origin, exclusive mode only, after the Web Locks spec
 * (https://w3c.github.io/web-locks/): requests for a name are granted in order; the callback
 * of a granted request runs in a later task and holds the lock until the promise it returns
 * settles; aborting the `signal` of a request not granted yet withdraws it (its promise
 * rejects with AbortError) and is ignored once granted; `steal` takes the lock from its holder,
 * whose promise rejects with AbortError.
 *
 * @param immediate - run a granted callback in a microtask instead of a later task, for
 *   tests written for a tab that leads before anything else it does
 */
export function createFakeLocks(immediate = false) {
  interface Request {
    name: string
    callback: () => unknown
    resolve: (value: unknown) => void
    reject: (reason: unknown) => void
    granted: boolean
  }
  const pending: Request[] = []
  const held = new Map<string, Request>()
  const aborted = () => new DOMException('The request was aborted.', 'AbortError')

  const grant = (name: string): void => {
    const next = pending.find((r) => r.name === name)
    if (held.has(name) || !next) return
    pending.splice(pending.indexOf(next), 1)
    held.set(name, next)
    next.granted = true
    // A task of its own, and one fake timers leave alone (tests that fake setTimeout never
    // advance the clock just to let a lock be granted).
    const later = immediate ? queueMicrotask : setImmediate
    later(() => {
      // The lock is held until the callback's promise settles, whatever it returns.
      Promise.resolve()
        .then(next.callback)
        .then(next.resolve, next.reject)
        .finally(() => {
          if (held.get(name) !== next) return // stolen meanwhile
          held.delete(name)
          grant(name)
        })
    })
  }

  return {
    request(
      name: string,
      optionsOrCallback: { signal?: AbortSignal; steal?: boolean } | (() => unknown),
      maybeCallback?: () => unknown,
    ): Promise<unknown> {
      const [options, callback] =
        typeof optionsOrCallback === 'function'
          ? [{}, optionsOrCallback]
          : [optionsOrCallback, maybeCallback!]
      return new Promise((resolve, reject) => {
        if (options.signal?.aborted) return reject(aborted())
        const request: Request = { name, callback, resolve, reject, granted: false }
        options.signal?.addEventListener('abort', () => {
          if (request.granted) return
          pending.splice(pending.indexOf(request), 1)
          reject(aborted())
        })
        if (options.steal) {
          held.get(name)?.reject(aborted())
          held.delete(name)
          pending.unshift(request)
        } else {
          pending.push(request)
        }
        grant(name)
      })
    },
    /** How many requests hold and wait for `name` (as `navigator.locks.query()` tells). */
    state: (name: string) => ({
      held: held.has(name) ? 1 : 0,
      pending: pending.filter((r) => r.name === name).length,
    }),
  }
}
