import { parseRetryAfter } from './retryPolicy'
import type { SendResult } from './transport'

/**
 * What delivery does with a batch once the collector answered (or did not):
 * - `remove`: confirmed (2xx);
 * - `split`: too large for this collector (413): send each half;
 * - `drop`: refused for good (400, 401, 403, or 413 for a single event): delete and report;
 * - `resend`: refused for the device's clock (401 while the server's clock was just learned):
 *   sign again with the server's time and send at once;
 * - `retry`: not now (429/503 with `asked` = Retry-After in ms, other 5xx, no answer).
 */
export type SendOutcome =
  { action: 'remove' | 'split' | 'drop' | 'resend' } | { action: 'retry'; asked?: number }

/**
 * Decides the outcome of one send (§五 codes). Pure: the caller measured the answer and
 * whether it moved the known server clock (`clockCorrected`).
 */
export function sendOutcome(
  result: SendResult,
  events: number,
  clockCorrected: boolean,
  now: number,
): SendOutcome {
  const { status } = result
  if (status >= 200 && status < 300) return { action: 'remove' }
  if (status === 413) return { action: events > 1 ? 'split' : 'drop' }
  // A secret that is wrong or rotated away stays final: only a clock just found off re-signs.
  if (status === 401 && clockCorrected) return { action: 'resend' }
  if (status === 400 || status === 401 || status === 403) return { action: 'drop' }
  const asked =
    status === 429 || status === 503 ? parseRetryAfter(result.retryAfter, now) : undefined
  return { action: 'retry', asked }
}
