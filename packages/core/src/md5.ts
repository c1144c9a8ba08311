/**
 * MD5 (RFC 1321) of a string's UTF-8 bytes, as 32 lower-case hex digits: only what the §五.5
 * signature needs. We use this instead of spark-md5, whose incremental and ArrayBuffer APIs
 * cannot be tree-shaken and cost 3 KB min+gzip, nearly half the core's 7.5 KB budget; spark-md5
 * stays as the reference this function is tested against (see docs/decisions.md).
 * MD5 is used because the collector's API (§五.5) fixes it, not for secrecy.
 */

/** Per-round left-rotation amounts, four per round. */
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]
/** K[i] = floor(|sin(i + 1)| · 2^32), computed rather than listed (RFC 1321 §3.4). */
const K = Array.from({ length: 64 }, (_, i) => (Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0)

export function md5(text: string): string {
  const bytes = new TextEncoder().encode(text)
  const length = bytes.length
  // Message + 0x80 + zero padding + 64-bit bit length, in 512-bit blocks of 16 words.
  const words = new Uint32Array((((length + 8) >>> 6) + 1) * 16)
  for (let i = 0; i < length; i++) words[i >> 2]! |= bytes[i]! << ((i % 4) * 8)
  words[length >> 2]! |= 0x80 << ((length % 4) * 8)
  words[words.length - 2] = length * 8
  words[words.length - 1] = Math.floor(length / 0x20000000)
  const state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]
  for (let block = 0; block < words.length; block += 16) {
    let [a, b, c, d] = state as [number, number, number, number]
    for (let i = 0; i < 64; i++) {
      const round = i >> 4
      // The round's function and message-word order (RFC 1321 §3.4); all four are computed,
      // which costs nothing next to a signature a minute and keeps this short.
      const f = [(b & c) | (~b & d), (d & b) | (~d & c), b ^ c ^ d, c ^ (b | ~d)][round]!
      const g = [i, 5 * i + 1, 3 * i + 5, 7 * i][round]! % 16
      const sum = (a + f + K[i]! + words[block + g]!) | 0
      const shift = SHIFTS[round * 4 + (i % 4)]!
      a = d
      d = c
      c = b
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0
    }
    state[0] = (state[0]! + a) | 0
    state[1] = (state[1]! + b) | 0
    state[2] = (state[2]! + c) | 0
    state[3] = (state[3]! + d) | 0
  }
  let hex = ''
  for (const word of state) {
    for (let j = 0; j < 4; j++) hex += ((word >>> (j * 8)) & 255).toString(16).padStart(2, '0')
  }
  return hex
}
