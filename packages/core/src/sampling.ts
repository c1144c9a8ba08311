/**
 * Whether a user is in a roll-out of `rate` (0..1). Deterministic: the same user id always
 * gives the same answer, so a user's events are either all sent or none are (§八 灰度).
 * Uses 32-bit FNV-1a, which spreads short ids evenly enough for percentages.
 */
export function isSampledIn(userId: string, rate: number): boolean {
  if (rate >= 1) return true
  if (rate <= 0) return false
  let hash = 0x811c9dc5
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) / 0x100000000 < rate
}
