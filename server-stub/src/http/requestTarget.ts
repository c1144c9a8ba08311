import { HttpError } from './httpError'

/**
 * Parses a request's target (`req.url`) into a URL, never throwing anything but a 400.
 *
 * Node hands the target over as sent: usually origin-form (`/api/stats?from=…`), but a client
 * may send absolute-form (`http://host:port/path`, RFC 9112 §3.2.2), which `new URL(target,
 * base)` parses on its own — and a bad port there (`http://x:99999/`) made it throw outside
 * any `try` and end the process.
 *
 * @param target - `req.url`.
 * @throws HttpError 400 when the target is not a URL.
 */
export function requestTarget(target: string | undefined): URL {
  const raw = target ?? '/'
  try {
    // Origin-form is glued to a fixed origin rather than resolved against it, so `//x` stays a
    // path instead of becoming a host.
    return raw.startsWith('/') ? new URL(`http://target${raw}`) : new URL(raw)
  } catch {
    throw new HttpError(
      400,
      `the request target ${JSON.stringify(raw.slice(0, 200))} is not a valid URL or path`,
      'bad_target',
    )
  }
}

/**
 * `decodeURIComponent` that answers 400 instead of throwing a URIError (`50%off`).
 *
 * @param segment - A path segment as sent.
 * @throws HttpError 400 for malformed percent-encoding.
 */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new HttpError(
      400,
      `the path segment ${JSON.stringify(segment.slice(0, 200))} has malformed percent-encoding; encode "%" as %25`,
      'bad_target',
    )
  }
}
