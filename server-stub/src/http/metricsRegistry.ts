import { collectDefaultMetrics, Registry, type Counter } from 'prom-client'

/**
 * A prom-client registry for one server (tests run several servers in one process, so never
 * the global default registry), with prom-client's default metrics: process CPU, memory and
 * file descriptors, heap spaces, event-loop lag and GC durations.
 *
 * @param defaultMetrics - Add the process, heap and GC metrics; one registry per process
 *   should, so that a role rendering two registries does not repeat them.
 * @default defaultMetrics true
 */
export function createMetricsRegistry(defaultMetrics = true): Registry {
  const registry = new Registry()
  if (defaultMetrics) collectDefaultMetrics({ register: registry })
  return registry
}

/**
 * The current value of a counter for one label set (0 when never counted): what tests and
 * health read, without parsing the text format.
 */
export async function counterValue<T extends string>(
  counter: Counter<T>,
  labels: Partial<Record<T, string>> = {},
): Promise<number> {
  const { values } = await counter.get()
  const wanted = Object.entries(labels)
  const match = values.find(
    (value) =>
      Object.keys(value.labels).length === wanted.length &&
      wanted.every(([key, label]) => String(value.labels[key as T]) === label),
  )
  return match?.value ?? 0
}
