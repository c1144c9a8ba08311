/**
 * The §八 / §十一 guards that run inside `track()`: forbidden-key scrubbing, a per-name rate
 * limit and a debounce of identical events. Each is O(properties) with no allocation beyond
 * the copied properties, because they sit on the host app's hot path.
 */

type Props = Record<string, unknown>

const isPlainObject = (value: unknown): value is Props =>
  typeof value === 'object' &&
  value !== null &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)

/**
 * Copies `props`, leaving out keys for which `forbidden(key)` holds, at any depth of plain
 * objects and arrays. The copy also protects queued events from later mutation of the
 * caller's object. Verdicts are cached per key because apps reuse a handful of names.
 */
export function createScrubber(forbidden: (key: string) => boolean): (props: Props) => Props {
  const verdicts = new Map<string, boolean>()
  const isForbidden = (key: string): boolean => {
    let verdict = verdicts.get(key)
    if (verdict === undefined) {
      verdict = forbidden(key)
      if (verdicts.size < 1000) verdicts.set(key, verdict)
    }
    return verdict
  }
  // `path` holds the objects being copied above `value`: meeting one again is a cycle.
  // Primitives, the common case, are copied without a call or an allocation.
  const copy = (value: object, path: object[]): unknown => {
    if (path.includes(value)) return '[Circular]'
    if (path.length > 20) return '[Too deep]'
    if (!Array.isArray(value) && !isPlainObject(value)) return value
    const inner = [...path, value]
    const item = (v: unknown) => (typeof v === 'object' && v !== null ? copy(v, inner) : v)
    if (Array.isArray(value)) return value.map(item)
    const out: Props = {}
    for (const key in value) {
      // `__proto__` would set the copy's prototype instead of a property.
      if (key !== '__proto__' && !isForbidden(key)) out[key] = item(value[key])
    }
    return out
  }
  return (props) => copy(props, []) as Props
}

/**
 * Lets through at most `perSecond` events of one name in each one-second window
 * (§八: no high-frequency events such as mouse moves). Returns `false` to drop.
 */
export function createRateLimiter(perSecond: number): (name: string, now: number) => boolean {
  const windows = new Map<string, { start: number; count: number }>()
  return (name, now) => {
    const window = windows.get(name)
    if (!window || now - window.start >= 1000) {
      windows.set(name, { start: now, count: 1 })
      return true
    }
    return ++window.count <= perSecond
  }
}

/**
 * Reports whether an event repeats the previous event of the same name — same properties
 * by shallow equality — within `windowMs` (§十一 防抖: a double click counts once).
 */
export function createDebouncer(
  windowMs: number,
): (name: string, props: Props, now: number) => boolean {
  const last = new Map<string, { at: number; props: Props }>()
  return (name, props, now) => {
    const previous = last.get(name)
    last.set(name, { at: now, props })
    return !!previous && now - previous.at < windowMs && shallowEqual(previous.props, props)
  }
}

function shallowEqual(a: Props, b: Props): boolean {
  let count = 0
  for (const key in a) {
    if (a[key] !== b[key]) return false
    count++
  }
  for (const key in b) if (key in b) count--
  return count === 0
}

/**
 * JSON for one event that never throws. Cycles never get here (the scrubber's copy replaced
 * them), so the rare failure is a BigInt, which becomes a string; functions and symbols are
 * left out as JSON does. Returns `undefined` when even that fails (a throwing `toJSON`, or a
 * cycle a plugin added).
 */
export function toJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value)
  } catch {
    try {
      return JSON.stringify(value, (_key, item: unknown) =>
        typeof item === 'bigint' ? item.toString() : item,
      )
    } catch {
      return undefined
    }
  }
}
