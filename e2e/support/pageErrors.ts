// Errors a page reports, captured in the page itself: WebDriver classic (WebKit in e2e/engines) has no
// console or error events, so every engine uses the same capture for the same answer. The
// servers of the suite put this script first in every HTML page they serve.

/**
 * An inline `<script>` that records into `window.__pageErrors` every uncaught error,
 * unhandled rejection, `console.error` call and error event of a Worker the page starts.
 */
export const ERROR_CAPTURE_SCRIPT = `<script>
(() => {
  const errors = (window.__pageErrors = [])
  const text = (value) =>
    value instanceof Error ? value.name + ': ' + value.message
      : typeof value === 'string' ? value : (() => { try { return JSON.stringify(value) } catch { return String(value) } })()
  addEventListener('error', (event) => {
    // A failed <img>/<script> load is an error event without an Error; it is not a page error.
    if (event.error !== undefined || event.message) errors.push({ source: 'error', message: text(event.error ?? event.message) })
  })
  addEventListener('unhandledrejection', (event) => errors.push({ source: 'unhandledrejection', message: text(event.reason) }))
  const consoleError = console.error
  console.error = (...args) => {
    errors.push({ source: 'console.error', message: args.map(text).join(' ') })
    consoleError.apply(console, args)
  }
  const RealWorker = window.Worker
  if (RealWorker) {
    window.Worker = class extends RealWorker {
      constructor(...args) {
        super(...args)
        this.addEventListener('error', (event) => errors.push({ source: 'worker', message: String(event.message) }))
      }
    }
  }
})()
</script>`

/** `html` with the capture inserted as the first script of the document. */
export function withErrorCapture(html: string): string {
  const head = /<head[^>]*>/i.exec(html)
  if (head) return html.replace(head[0], head[0] + ERROR_CAPTURE_SCRIPT)
  const doctype = /<!doctype html>/i.exec(html)
  if (doctype) return html.replace(doctype[0], doctype[0] + ERROR_CAPTURE_SCRIPT)
  return ERROR_CAPTURE_SCRIPT + html
}

/** Reads what the capture recorded (run in the page). */
export const readPageErrors = (): { source: string; message: string }[] =>
  (window as unknown as { __pageErrors?: { source: string; message: string }[] }).__pageErrors ?? [
    { source: 'capture', message: 'the error capture is not in this page' },
  ]
