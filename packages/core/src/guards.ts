/**
 * The §八 / §十一 guards that run inside `track()`: forbidden-key scrubbing, a per-name rate
 * limit and a debounce of identical events. They sit on the host app's hot path: a primitive
 * property costs a copy and no allocation, a known name a Map lookup, and the maps they keep
 * are bounded.
 */

type Props = Record<string, unknown>

/** Names the rate limiter and the debouncer remember at most (an app has a few dozen). */
const MAX_NAMES = 1000
/** Values the debouncer compares at most before it takes two events as different. */
const MAX_COMPARED = 100
const UNREADABLE = '[Unreadable]'

/**
 * Copies `props` into plain JSON-shaped data, leaving out keys for which `forbidden(key)`
 * holds, at any depth and whatever the prototype (§八: `track(name, new Wallet())` must not
 * send `privateKey`). The copy also protects queued events from later mutation of the caller's
 * objects, and is what the debouncer compares by value. Each kind of value becomes:
 *
 * - plain object, class instance → a plain object of its enumerable keys, scrubbed; so, as
 *   JSON sends them, `{}` for a `Map`, a `Set` or an `Error` (its message is not enumerable)
 * - array → an array, each item copied
 * - object with `toJSON` (`Date`, `URL`, …) → what `toJSON()` returns, copied (so a `Date`
 *   becomes its ISO string, as JSON would send it)
 * - `ArrayBuffer`, typed arrays, `DataView` → `'[Binary]'` (key material hides in bytes
 *   under any name); a DOM node → `'[Node NODENAME]'` (React hangs its fiber tree on nodes)
 * - a getter, `toJSON` or proxy that throws → `'[Unreadable]'`; a cycle → `'[Circular]'`;
 *   below 20 levels → `'[Too deep]'`
 * - primitives, functions, symbols → as they are (JSON leaves functions out; `toJson` writes a
 *   BigInt as a string)
 *
 * Verdicts are cached per key because apps reuse a handful of names.
 */
export function createScrubber(forbidden: (key: string) => boolean): (props: Props) => Props {
  const verdicts = new Map<string, boolean>()
  const isForbidden = (key: string): boolean => {
    let verdict = verdicts.get(key)
    if (verdict === undefined) {
      verdict = forbidden(key)
      if (verdicts.size < MAX_NAMES) verdicts.set(key, verdict)
    }
    return verdict
  }
  // `path` holds the objects being copied above `value`: meeting one again is a cycle.
  // Primitives, the common case, are copied without a call or an allocation.
  const copy = (value: object, path: object[]): unknown => {
    if (path.includes(value)) return '[Circular]'
    if (path.length > 20) return '[Too deep]'
    try {
      const inner = [...path, value]
      const item = (v: unknown) => (typeof v === 'object' && v !== null ? copy(v, inner) : v)
      if (Array.isArray(value)) return value.map(item)
      const source = value as Props
      if (typeof source.toJSON === 'function') return item(source.toJSON())
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) {
        // Duck-typed rather than instanceof, which fails for a frame's objects.
        const node = value as Node
        if (typeof node.nodeType === 'number' && typeof node.nodeName === 'string')
          return `[Node ${node.nodeName}]`
        if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[Binary]'
      }
      const out: Props = {}
      for (const key in source) {
        // `__proto__` would set the copy's prototype instead of a property.
        if (key === '__proto__' || isForbidden(key)) continue
        try {
          out[key] = item(source[key])
        } catch {
          out[key] = UNREADABLE // a getter that throws
        }
      }
      return out
    } catch {
      // A revoked proxy, an ownKeys trap or a toJSON that throws.
      return UNREADABLE
    }
  }
  return (props) => copy(props, []) as Props
}

/**
 * Makes room in `map` for one more name: forgets the entries `idle(entry)` says carry no
 * information any more, and everything if that is not enough (only an app that makes up
 * names as it goes gets there), so a stream of new names costs one sweep per `max` names.
 */
function makeRoom<V>(map: Map<string, V>, max: number, idle: (entry: V) => boolean): void {
  if (map.size < max) return
  map.forEach((entry, name) => idle(entry) && map.delete(name))
  if (map.size >= max) map.clear()
}

/**
 * A token bucket per event name (§八: stop high-frequency events such as a runaway loop, not
 * a real page's bursts): `burst` events of one name pass at once, then `perSecond` a second.
 * Returns `false` to drop. Pure apart from its memory: the clock is the `now` argument.
 * At most `maxNames` names are remembered; a forgotten name starts again with a full bucket.
 *
 * Written as the generic cell rate algorithm (as redis-cell does), which behaves as the token
 * bucket but keeps one number per name, the time at which its bucket is full again, instead
 * of a token count and a refill time. https://en.wikipedia.org/wiki/Generic_cell_rate_algorithm
 *
 * @param buckets - The memory, for tests to look into.
 */
export function createRateLimiter(
  perSecond: number,
  burst: number,
  maxNames = MAX_NAMES,
  buckets: Map<string, unknown> = new Map(),
): (name: string, now: number) => boolean {
  const memory = buckets as Map<string, number>
  const interval = 1000 / perSecond
  const tolerance = (burst - 1) * interval
  return (name, now) => {
    let full = memory.get(name)
    // A full bucket (a time passed) carries nothing and may be forgotten.
    if (full === undefined) makeRoom(memory, maxNames, (at) => at <= now)
    // A clock that went back leaves `full` ahead: the bucket refills from where it was.
    full = Math.max(full ?? now, now)
    if (full - now > tolerance) return false
    memory.set(name, full + interval)
    return true
  }
}

/**
 * Gathers dropped events per name and reports each stretch of drops once with its count: the
 * drops of one task when it is over, and a drop loop that goes on at most once per
 * `everyMs` — not one report per dropped event, which would flood `onError`.
 *
 * @returns `dropped(name)`, to call for each dropped event.
 */
export function createDropReport(
  report: (name: string, count: number) => void,
  everyMs = 1000,
): (name: string) => void {
  const counts = new Map<string, number>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let reportedAt = -Infinity
  const flush = () => {
    timer = undefined
    reportedAt = Date.now()
    counts.forEach((count, name) => report(name, count))
    counts.clear()
  }
  return (name) => {
    counts.set(name, (counts.get(name) ?? 0) + 1)
    timer ??= setTimeout(flush, Math.max(0, reportedAt + everyMs - Date.now()))
  }
}

/**
 * Reports whether an event repeats the previous event of the same name — same properties by
 * value, up to {@link MAX_COMPARED} values — within `windowMs` (§十一 防抖: a double click
 * counts once). Properties too large to compare count as different: debouncing never drops an
 * event on a guess. At most `maxNames` names are remembered, ended windows forgotten first.
 *
 * @param last - The memory, for tests to look into.
 */
export function createDebouncer(
  windowMs: number,
  maxNames = MAX_NAMES,
  last: Map<string, unknown> = new Map(),
): (name: string, props: Props, now: number) => boolean {
  const memory = last as Map<string, { at: number; props: Props }>
  return (name, props, now) => {
    const previous = memory.get(name)
    if (!previous) {
      makeRoom(memory, maxNames, (entry) => now - entry.at >= windowMs)
      memory.set(name, { at: now, props })
      return false
    }
    left = MAX_COMPARED
    const repeat = now - previous.at < windowMs && equal(previous.props, props)
    previous.at = now
    previous.props = props
    return repeat
  }
}

/** What is left of {@link MAX_COMPARED} in the current comparison (kept here: no allocation). */
let left = 0

/**
 * Equality by value of the scrubber's copies (plain objects, arrays, primitives), spending one
 * of `left` per value; `false` once that is spent.
 */
function equal(a: unknown, b: unknown): boolean {
  if (--left < 0) return false
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const x = a as Props
  const y = b as Props
  let count = 0
  for (const key in x) {
    if (!(key in y) || !equal(x[key], y[key])) return false
    count++
  }
  // Counting keys without Object.keys(), which would allocate an array.
  for (const key in y) if (key in y) count--
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
