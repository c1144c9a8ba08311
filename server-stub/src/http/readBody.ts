import type { IncomingMessage } from 'node:http'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { HttpError } from './httpError'

const gunzipAsync = promisify(gunzip)

/** Limits on a request body. */
export interface BodyLimits {
  /** Most bytes on the wire (compressed, when gzip). */
  maxBodyBytes: number
  /** Most bytes after gunzip. */
  maxInflatedBytes: number
}

/**
 * A body this much over the limit is not drained but cut off: draining lets the client read
 * the 413 (a reset connection looks like a network error, which the SDK retries), but not
 * without end.
 */
const DRAIN_FACTOR = 16

const tooLarge = (limit: number, what: string) =>
  new HttpError(
    413,
    `request body is over ${limit} bytes ${what}; send fewer events per request`,
    'body_too_large',
  )

/**
 * Reads the raw body, refusing it with 413 once it passes `maxBodyBytes`, whether the
 * client announced its `Content-Length` or not.
 */
export function readRawBody(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let failure: HttpError | undefined
    const declared = Number(req.headers['content-length'])
    if (declared > maxBodyBytes) failure = tooLarge(maxBodyBytes, 'on the wire')
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes) failure ??= tooLarge(maxBodyBytes, 'on the wire')
      if (!failure) chunks.push(chunk)
      else if (size > maxBodyBytes * DRAIN_FACTOR) {
        reject(failure)
        req.destroy()
      }
    })
    req.on('end', () => (failure ? reject(failure) : resolve(Buffer.concat(chunks, size))))
    // The client went away mid-body: an 'error' (ECONNRESET), or only a 'close'. Not our fault,
    // so not a 500; nobody reads the answer anyway.
    const cutOff = () => reject(new HttpError(400, 'the request body was cut off', 'aborted'))
    req.on('error', cutOff)
    req.on('close', () => {
      if (!req.complete) cutOff()
    })
  })
}

/**
 * Turns the raw body into text: gunzip when `Content-Encoding: gzip`, counting the output so
 * that a small body that inflates to gigabytes (a zip bomb) stops at `maxInflatedBytes`
 * instead of filling memory.
 *
 * @throws HttpError 413 over the inflated limit, 400 for a corrupt gzip stream or an
 * encoding other than gzip / identity.
 */
export async function decodeBody(
  raw: Buffer,
  encoding: string | undefined,
  limits: BodyLimits,
): Promise<string> {
  const coding = (encoding ?? 'identity').trim().toLowerCase()
  if (coding === 'identity' || coding === '') return raw.toString('utf8')
  if (coding !== 'gzip' && coding !== 'x-gzip') {
    throw new HttpError(
      400,
      `Content-Encoding "${coding}" is not supported; send gzip or no encoding`,
      'bad_encoding',
    )
  }
  try {
    // zlib stops inflating at maxOutputLength and fails with ERR_BUFFER_TOO_LARGE.
    const inflated = await gunzipAsync(raw, { maxOutputLength: limits.maxInflatedBytes })
    return inflated.toString('utf8')
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(limits.maxInflatedBytes, 'after gunzip')
    }
    throw new HttpError(
      400,
      'Content-Encoding is gzip but the body is not a valid gzip stream',
      'bad_gzip',
    )
  }
}
