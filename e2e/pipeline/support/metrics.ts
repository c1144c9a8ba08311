// Reads a role's Prometheus text (`GET /metrics`): the sum of a metric over its labels.
import { waitUntil } from './waitUntil'

/** The sum of every sample of `name` (any labels); 0 when absent. */
export function metricSum(text: string, name: string): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (rest[0] !== ' ' && rest[0] !== '{') continue
    const value = Number(line.slice(line.lastIndexOf(' ') + 1))
    if (Number.isFinite(value)) sum += value
  }
  return sum
}

/** `GET <url>/metrics` as text. */
export async function readMetrics(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })
  return response.text()
}

/**
 * Waits until the consumer at `consumerUrl` reports its lag and the lag is zero: it has
 * committed every message of the topic (the metric is absent until it has read once).
 */
export async function waitForZeroLag(
  consumerUrl: string,
  { timeout, interval = 500 }: { timeout: number; interval?: number },
): Promise<void> {
  await waitUntil(
    async () => {
      const text = await readMetrics(consumerUrl)
      return (
        text.includes('trackpoint_consumer_lag_messages{') &&
        metricSum(text, 'trackpoint_consumer_lag_messages') === 0
      )
    },
    { timeout, interval, what: 'the consumer lag to be zero' },
  )
}
