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
 * How much of a body over the limit is read and thrown away before the 413 is sent. The answer
 * waits for the body's end because answering early and closing would leave unread bytes in the
 * socket, and the kernel then resets the connection (RST) — the client never reads the 413,
 * sees a network error and retries the same body for ever. Past this many bytes the connection
 * is cut off after the answer: a client sending that much is not one the SDK ships.
 */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024

const tooLarge = (limit: number, what: string) =>
  new HttpError(
    413,
    `request body is over ${limit} bytes ${what}; send fewer events per request`,
    'body_too_large',
  )

/**
 * Reads the raw body, refusing it with 413 once it passes `maxBodyBytes`, whether the
 * client announced its `Content-Length` or not. The rest of a body over the limit is read and
 * dropped (up to {@link DRAIN_LIMIT_BYTES}) before the promise rejects, so the 413 reaches the
 * client as an answer instead of a reset connection.
 */
export function readRawBody(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let failure: HttpError | undefined
    const declared = Number(req.headers['content-length'])
    let cut = false
    const cutOff = (error: HttpError) => {
      if (cut) return
      cut = true
      // Answered now, and the connection cut a second later: the answer is out by then, and
      // what the client still sends is not read any more.
      reject(error)
      setTimeout(() => req.destroy(), 1000).unref()
    }
    if (declared > maxBodyBytes) {
      failure = tooLarge(maxBodyBytes, 'on the wire')
      if (declared > DRAIN_LIMIT_BYTES) return cutOff(failure)
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes) failure ??= tooLarge(maxBodyBytes, 'on the wire')
      if (!failure) chunks.push(chunk)
      else if (size > DRAIN_LIMIT_BYTES) cutOff(failure)
    })
    req.on('end', () => (failure ? reject(failure) : resolve(Buffer.concat(chunks, size))))
    // The client went away mid-body: an 'error' (ECONNRESET), or only a 'close'. Not our fault,
    // so not a 500; nobody reads the answer anyway.
    const aborted = () => reject(new HttpError(400, 'the request body was cut off', 'aborted'))
    req.on('error', aborted)
    req.on('close', () => {
      if (!req.complete) aborted()
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
