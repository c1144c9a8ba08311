/**
 * Whether a user is in a roll-out of `rate` (0..1). Deterministic: the same user id always
 * gives the same answer, so a user's events are either all sent or none are (§八 灰度).
 * Uses 32-bit FNV-1a with murmur3's finaliser, so even sequential ids spread evenly.
 */
export function isSampledIn(userId: string, rate: number): boolean {
  if (rate >= 1) return true
  if (rate <= 0) return false
  let hash = 0x811c9dc5
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  // murmur3's fmix32 finaliser: FNV alone leaves sequential ids ("1", "2", …) unevenly spread.
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return (hash >>> 0) / 0x100000000 < rate
}
