import { md5 } from './md5'
import type { Signature } from './types'

/** `md5(app_id + timestamp + secret)` in lower-case hex: the §五.5 signature. */
export function computeSign(appId: string, timestamp: number, secret: string): string {
  return md5(appId + timestamp + secret)
}

/** Signs a request: with the app's `sign` callback when given, otherwise with `secret`. */
export type Signer = (timestamp: number) => Promise<Signature>

/** Makes the signer for a tracker's options. */
export function createSigner(
  appId: string,
  secret: string | undefined,
  sign: ((appId: string, timestamp: number) => string | Promise<string>) | undefined,
): Signer {
  return async (timestamp) => ({
    app_id: appId,
    timestamp,
    sign: sign ? await sign(appId, timestamp) : computeSign(appId, timestamp, secret ?? ''),
  })
}
