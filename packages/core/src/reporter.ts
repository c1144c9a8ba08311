import type { TrackError } from './types'

/** How the SDK speaks: one prefixed logger, silent unless `debug`, plus the `onError` hook. */
export interface Reporter {
  error(error: TrackError): void
  debug(...args: unknown[]): void
}

/** Makes the reporter for a tracker. A throwing `onError` is swallowed: it must not loop. */
export function createReporter(debug: boolean, onError?: (error: TrackError) => void): Reporter {
  return {
    error(error) {
      if (debug) console.warn('[trackpoint]', error.message, error)
      try {
        onError?.(error)
      } catch {
        // the app's handler failed; tracking never throws into the app
      }
    },
    debug(...args) {
      if (debug) console.info('[trackpoint]', ...args)
    },
  }
}
