/**
 * Resolves in a later task, so that input and rendering run before a long job goes on:
 * `scheduler.yield()` where it exists (the job keeps its place ahead of other tasks), else a
 * zero timeout. At once while the page is hidden: no one is waiting then, and a hidden page's
 * timers may run once a second, or once a minute
 * (https://developer.chrome.com/blog/timer-throttling-in-chrome-88).
 */
export function nextTask(): Promise<void> {
  if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
    return Promise.resolve()
  }
  if (typeof scheduler !== 'undefined' && scheduler.yield) return scheduler.yield()
  return new Promise((resolve) => setTimeout(resolve, 0))
}
