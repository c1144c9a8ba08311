/**
 * What each benchmark script starts with: a log prefixed with the seconds since the start, a
 * stack of cleanups run last-first, and a deadline after which the cleanups run and the process
 * exits 1, so every benchmark stops by itself.
 *
 * @param {string} label - the log prefix, e.g. `bench`
 * @param {number} deadlineMs - how long the script may run
 */
export function startScript(label, deadlineMs) {
  const started = performance.now()
  /** @param {string} msg */
  const log = (msg) =>
    console.log(`[${label} ${((performance.now() - started) / 1000).toFixed(0)}s] ${msg}`)
  /** @type {(() => Promise<unknown>)[]} */
  const cleanups = []
  const cleanup = async () => {
    while (cleanups.length)
      await cleanups
        .pop()()
        .catch(() => {})
  }
  const deadline = setTimeout(() => {
    console.error(`${label}: still running after ${deadlineMs / 60_000} min; giving up`)
    void cleanup().finally(() => process.exit(1))
  }, deadlineMs)
  deadline.unref()
  return { started, log, cleanups, cleanup, done: () => clearTimeout(deadline) }
}
