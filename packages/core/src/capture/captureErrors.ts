import { isForbiddenKey } from '@trackpoint/schema'
import { inBrowser, noop, type TrackTarget } from './shared'

/** Options of {@link captureErrors}. */
export interface ErrorCaptureOptions {
  /**
   * Most `error` events sent per page load; an error loop stops being reported after this.
   * @default 20
   */
  maxErrors?: number
  /**
   * Longest `message`, in characters; longer ones are cut and end with `…`.
   * @default 500
   */
  maxMessageLength?: number
  /**
   * Longest `stack`, in characters; the stack is cut at a line break.
   * @default 2000
   */
  maxStackLength?: number
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

/**
 * The message of a rejection whose reason is not an Error: a string as it is, anything else as
 * JSON without the keys the tracker drops (§八: `password`, `access_token`, …) at any depth. The
 * tracker's scrubber only sees property keys, so a secret turned into message text here would
 * leave with the event (`Promise.reject({ status: 401, access_token })`).
 */
function describeReason(reason: unknown): string {
  if (typeof reason === 'string') return reason
  try {
    return (
      JSON.stringify(reason, (key, value: unknown) => (isForbiddenKey(key) ? undefined : value)) ??
      String(reason)
    )
  } catch {
    // A cycle or a BigInt: the type alone (String() may throw too, e.g. Object.create(null)).
    return Object.prototype.toString.call(reason)
  }
}

const cutStack = (stack: string, max: number) => {
  if (stack.length <= max) return stack
  const end = stack.lastIndexOf('\n', max)
  return stack.slice(0, end > 0 ? end : max)
}

/**
 * Tracks uncaught errors (`window` `error`) and unhandled promise rejections
 * (`unhandledrejection`) as `error` events: `message`, `source`, `lineno`, `colno`, `stack`
 * and `error_type` (the error's class, or `unhandledrejection` for a non-Error reason), with
 * message and stack trimmed. A non-Error reason's message is its JSON without the keys the
 * tracker drops (`access_token`, `password`, … at any depth). The same error (same message and
 * place) is sent once per page load, and at most `maxErrors` errors are sent. Resource load failures (`<img>` 404s) are
 * not script errors and are left out.
 *
 * @returns A function that stops capturing.
 *
 * @example
 * ```ts
 * const stop = captureErrors(tracker, { maxErrors: 10 })
 * ```
 */
export function captureErrors(tracker: TrackTarget, options: ErrorCaptureOptions = {}): () => void {
  if (!inBrowser()) return noop
  const { maxErrors = 20, maxMessageLength = 500, maxStackLength = 2000 } = options
  const seen = new Set<string>()

  const send = (
    error: unknown,
    fallbackMessage: string,
    fallbackType: string,
    source?: string,
    lineno?: number,
    colno?: number,
  ) => {
    const isError = error instanceof Error
    const message = cut(
      (isError ? error.message : '') || fallbackMessage || '(no message)',
      maxMessageLength,
    )
    const stack = isError && typeof error.stack === 'string' ? error.stack : ''
    // Same message from the same place (or the same stack top for rejections) is one error.
    const key = `${message}|${source ?? ''}|${lineno ?? ''}|${colno ?? ''}|${stack.split('\n', 3).join('|')}`
    if (seen.has(key) || seen.size >= maxErrors) return
    seen.add(key)
    tracker.track('error', {
      message,
      error_type: isError ? error.name : fallbackType,
      ...(source ? { source } : {}),
      ...(lineno ? { lineno } : {}),
      ...(colno ? { colno } : {}),
      ...(stack ? { stack: cutStack(stack, maxStackLength) } : {}),
    })
  }

  const onError = (event: Event) => {
    // Only script errors are ErrorEvents; a failed <img> dispatches a plain Event (and only
    // reaches window in the capture phase, which is not used here).
    if (!(event instanceof ErrorEvent)) return
    send(event.error, event.message, 'Error', event.filename, event.lineno, event.colno)
  }
  const onRejection = (event: PromiseRejectionEvent) => {
    const { reason } = event
    send(reason, reason instanceof Error ? '' : describeReason(reason), 'unhandledrejection')
  }
  addEventListener('error', onError)
  addEventListener('unhandledrejection', onRejection)
  return () => {
    removeEventListener('error', onError)
    removeEventListener('unhandledrejection', onRejection)
  }
}
