import { nextTask } from './nextTask'
import type { SendResult } from './transport'
import { postJson } from './transport'

/** Sends one request body; the signature of {@link postJson}. */
export type Post = (
  url: string,
  body: string,
  compress: boolean,
  timeoutMs: number,
) => Promise<SendResult>

/**
 * {@link postJson} in a dedicated worker, so gzip and the request's own work leave the main
 * thread: in Chromium one fetch costs 0.3–1 ms of main thread and gzip about as much per
 * 30 KB body (docs/benchmarks.md). The worker's source is `postJson`'s own text, so the two
 * threads share one implementation.
 *
 * Falls back to the main thread, for good, where there are no workers, where a CSP refuses
 * `blob:` workers, or where the worker cannot run the code (a bundler rewrote `postJson` with
 * helpers that live outside it); requests the worker had are then sent again from here.
 */
export function createOffThreadPost(): Post & {
  /** Cancels the requests under way (status 0) and stops the worker until the next request. */
  close(): void
} {
  let worker: Worker | undefined
  let onMain = typeof Worker !== 'function'
  let seq = 0
  const waiting = new Map<
    number,
    [(result: SendResult | Promise<SendResult>) => void, Parameters<Post>]
  >()

  const fallBack = () => {
    onMain = true
    worker?.terminate()
    waiting.forEach(([resolve, args]) => resolve(postJson(...args)))
    waiting.clear()
  }

  const start = (): Worker => {
    // postJson resolves network errors and timeouts as status 0: a rejection means the worker
    // itself cannot run the code.
    const source = `const post=${postJson};onmessage=({data:[id,...a]})=>post(...a).then(r=>postMessage([id,r]),()=>postMessage([id]))`
    const started = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })))
    started.onerror = fallBack
    started.onmessage = ({ data: [id, result] }: MessageEvent) => {
      const entry = waiting.get(id)
      if (!entry) return
      if (result) {
        waiting.delete(id)
        entry[0](result)
      } else fallBack()
    }
    return started
  }

  let starting: Promise<void> | undefined
  const post = async (...args: Parameters<Post>): Promise<SendResult> => {
    // Starting the worker (a blob URL, `new Worker`) costs 20–40 ms on a 4×-throttled CPU: it
    // gets a task of its own instead of adding to the first request's (docs/benchmarks.md).
    if (!onMain && !worker) await (starting ??= nextTask())
    if (!onMain) {
      try {
        worker ??= start()
        const id = ++seq
        return await new Promise((resolve) => {
          waiting.set(id, [resolve, args])
          worker!.postMessage([id, ...args])
        })
      } catch {
        onMain = true
      }
    }
    return postJson(...args)
  }
  // Terminating the worker cancels its requests not yet on the wire (gzip, a preflight, the
  // connection): an opt-out must stop what this page was about to send. Each is answered
  // status 0 so its sender is not left waiting; a later request starts a new worker.
  const close = () => {
    worker?.terminate()
    worker = undefined
    waiting.forEach(([resolve]) => resolve({ status: 0 }))
    waiting.clear()
  }
  return Object.assign(post, { close })
}
