/**
 * Bytes of `text` in UTF-8, without allocating (TextEncoder would copy every event).
 * Lone surrogates count as 3 bytes, as TextEncoder writes U+FFFD for them.
 */
export function utf8Length(text: string): number {
  let bytes = text.length
  // Most events are ASCII: one regex scan is cheaper than the loop below.
  // eslint-disable-next-line no-control-regex -- the range is the point: ASCII
  if (!/[^\x00-\x7f]/.test(text)) return bytes
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) bytes += 1
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2 // the pair is 2 UTF-16 units and 4 bytes
      i++
    } else bytes += 2
  }
  return bytes
}
