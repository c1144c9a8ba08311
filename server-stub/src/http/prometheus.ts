/**
 * A small Prometheus registry that renders the text exposition format (version 0.0.4):
 * counters, gauges and histograms with labels. Enough for a role's `/metrics`; no dependency.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */

type Labels = Record<string, string>

/** A monotonically increasing count, per label set. */
export interface Counter {
  inc(labels?: Labels, by?: number): void
  /** The current value for a label set (tests and health read it). */
  get(labels?: Labels): number
}

/** A distribution of observed values (seconds, bytes …) in cumulative buckets, per label set. */
export interface Histogram {
  observe(labels: Labels, value: number): void
}

/** The `Content-Type` of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

const labelText = (labels: Labels): string => {
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${escapeLabel(labels[key] ?? '')}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

const formatNumber = (value: number) =>
  Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN'

/** A set of metrics rendered together by {@link Registry.render}. */
export interface Registry {
  counter(name: string, help: string): Counter
  /** A gauge whose value is read from `read` at render time. */
  gauge(name: string, help: string, read: () => number): void
  /** A gauge with one value per label set, all read from `read` at render time. */
  labeledGauge(name: string, help: string, read: () => ReadonlyArray<[Labels, number]>): void
  histogram(name: string, help: string, buckets: readonly number[]): Histogram
  /** All metrics in the text format. */
  render(): string
}

/** Creates an empty {@link Registry}. */
export function createRegistry(): Registry {
  const renderers: (() => string)[] = []
  const header = (name: string, help: string, type: string) =>
    `# HELP ${name} ${help.replace(/\n/g, ' ')}\n# TYPE ${name} ${type}\n`

  return {
    counter(name, help) {
      const values = new Map<string, number>()
      renderers.push(() => {
        let text = header(name, help, 'counter')
        for (const [labels, value] of values) text += `${name}${labels} ${formatNumber(value)}\n`
        return text
      })
      return {
        inc(labels = {}, by = 1) {
          const key = labelText(labels)
          values.set(key, (values.get(key) ?? 0) + by)
        },
        get: (labels = {}) => values.get(labelText(labels)) ?? 0,
      }
    },

    gauge(name, help, read) {
      renderers.push(() => `${header(name, help, 'gauge')}${name} ${formatNumber(read())}\n`)
    },

    labeledGauge(name, help, read) {
      renderers.push(() => {
        let text = header(name, help, 'gauge')
        for (const [labels, value] of read()) {
          text += `${name}${labelText(labels)} ${formatNumber(value)}\n`
        }
        return text
      })
    },

    histogram(name, help, buckets) {
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; n: number }>()
      renderers.push(() => {
        let text = header(name, help, 'histogram')
        for (const { labels, counts, sum, n } of series.values()) {
          buckets.forEach((le, i) => {
            text += `${name}_bucket${labelText({ ...labels, le: String(le) })} ${counts[i]}\n`
          })
          text += `${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${n}\n`
          text += `${name}_sum${labelText(labels)} ${formatNumber(sum)}\n`
          text += `${name}_count${labelText(labels)} ${n}\n`
        }
        return text
      })
      return {
        observe(labels, value) {
          const key = labelText(labels)
          let entry = series.get(key)
          if (!entry)
            series.set(key, (entry = { labels, counts: buckets.map(() => 0), sum: 0, n: 0 }))
          // Buckets are cumulative: a value counts in every bucket whose bound it does not pass.
          buckets.forEach((le, i) => {
            if (value <= le) entry.counts[i]! += 1
          })
          entry.sum += value
          entry.n += 1
        },
      }
    },

    render: () => renderers.map((render) => render()).join(''),
  }
}
