// Small statistics helpers shared by the benchmarks.

/** The median of a list of numbers (mean of the middle two for even lengths); NaN when empty. */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** The value at quantile `q` (0..1) by nearest rank; NaN when empty. */
export function quantile(values, q) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))]
}

/** The smallest and largest finite values. */
export function range(values) {
  const v = values.filter((x) => Number.isFinite(x))
  return v.length ? [Math.min(...v), Math.max(...v)] : [NaN, NaN]
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
