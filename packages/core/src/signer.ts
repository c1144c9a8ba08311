import { md5 } from './md5'
import type { Signature } from './types'

/** `md5(app_id + timestamp + secret)` in lower-case hex: the §五.5 signature. */
export function computeSign(appId: string, timestamp: number, secret: string): string {
  return md5(appId + timestamp + secret)
}

/** Signs a request: with the app's `sign` callback when given, otherwise with `secret`. */
export type Signer = (timestamp: number) => Promise<Signature>

/**
 * Makes the signer for a tracker's options. A `sign` callback gets `timeoutMs` to settle: one
 * that never does must not hold delivery for ever. Every failure of the callback (a throw, a
 * rejection — a `TypeError` from its own `fetch` included —, a timeout, no string) rejects,
 * and delivery reports it as a sign failure (`kind: 'sign'`), never as a network error.
 */
export function createSigner(
  appId: string,
  secret: string | undefined,
  sign: ((appId: string, timestamp: number) => string | Promise<string>) | undefined,
  timeoutMs = 10_000,
): Signer {
  return async (timestamp) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const value: unknown = sign
        ? await Promise.race([
            sign(appId, timestamp),
            new Promise<never>((_, reject) => {
              timer = setTimeout(reject, timeoutMs, Error(`sign() timed out after ${timeoutMs} ms`))
            }),
          ])
        : computeSign(appId, timestamp, secret ?? '')
      if (typeof value !== 'string' || !value) throw Error('sign() returned no string')
      return { app_id: appId, timestamp, sign: value }
    } finally {
      clearTimeout(timer)
    }
  }
}
