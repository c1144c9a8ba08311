/**
 * Makes the event-id generator of one tracker: UUID version 7 (RFC 9562 §5.7). The first
 * 48 bits are the event's Unix time in ms; the 12 bits of `rand_a` are a counter within that
 * millisecond (RFC 9562 §6.2, method 1), so ids from one page never repeat and sort in the
 * order they were made; the last 62 bits are random, drawn once per tracker, so two pages
 * never share an id. It costs the page a fraction of `crypto.randomUUID()` (one string
 * concatenation per event; docs/benchmarks.md), and time-ordered ids index well in the
 * collector's store. Ids are not secrets: nothing relies on them being unguessable.
 */
export function createEventIds(): (now: number) => string {
  const random = crypto.getRandomValues(new Uint8Array(8))
  random[0] = (random[0]! & 0x3f) | 0x80 // the RFC 4122 variant, `10` in the top bits
  const hex = Array.from(random, (b) => (b + 256).toString(16).slice(1)).join('')
  const tail = `-${hex.slice(0, 4)}-${hex.slice(4)}`
  let last = -1
  let counter = 0
  let head = ''
  return (now) => {
    if (now > last) {
      last = now
      counter = 0
    } else if (++counter > 0xfff) {
      // 4,096 ids in one ms (or a clock that went back): borrow the next ms, as §6.2 allows.
      last++
      counter = 0
    } else {
      return head + (counter + 0x1000).toString(16).slice(1) + tail
    }
    const time = last.toString(16).padStart(12, '0')
    head = `${time.slice(0, 8)}-${time.slice(8)}-7`
    return `${head}000${tail}`
  }
}

/**
 * A fresh id for the anonymous user or a session: a version-7 UUID with its own 62 random
 * bits. Built from `crypto.getRandomValues`, which exists everywhere (`crypto.randomUUID` only
 * in secure contexts).
 */
export const uuid = (): string => createEventIds()(Date.now())
