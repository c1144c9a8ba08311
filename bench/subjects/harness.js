// Runs in the page. A subject registers `setup`, `call` and `drain`; the loop and its timing are
// the same for every subject, so they differ only in what `call(i)` does.
//
// Each step starts in a task of the page (setTimeout), not inside the DevTools command that asks
// for it: Chromium books work done inside a command as DevToolsCommandDuration, not as
// ScriptDuration, and the harness leaves command time out of TaskDuration.

/** Resolves with `fn()`'s result after running it in a task of its own. */
const inTask = (fn) => new Promise((resolve) => setTimeout(() => resolve(fn()), 0))

/** Installs `window.bench` for the harness in bench/trackCost.mjs. */
export function register(subject) {
  /** Calls `subject.call(i)` `n` times, timing each group of `group` calls with performance.now(). */
  const loop = (n, group) => {
    const call = subject.call
    const times = new Float64Array(Math.ceil(n / group))
    const start = performance.now()
    let i = 0
    for (let g = 0; i < n; g++) {
      const t0 = performance.now()
      const end = Math.min(n, i + group)
      for (; i < end; i++) call(i)
      times[g] = performance.now() - t0
    }
    const total = performance.now() - start
    window.benchResult = { times: Array.from(times), total }
  }

  window.bench = {
    setup: (options) => inTask(() => subject.setup(options)),
    run: (n, group) => inTask(() => loop(n, group)),
    drain: () => inTask(() => subject.drain()),
    /** The smallest step of performance.now() seen, in ms, and whether the page is isolated. */
    timer() {
      let step = Infinity
      let last = performance.now()
      for (let k = 0; k < 20000; k++) {
        const now = performance.now()
        if (now > last) step = Math.min(step, now - last)
        last = now
      }
      return { step, crossOriginIsolated: self.crossOriginIsolated }
    },
  }
}
