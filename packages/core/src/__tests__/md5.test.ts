import { createHash } from 'node:crypto'
import SparkMD5 from 'spark-md5'
import { describe, expect, it } from 'vitest'
import { md5 } from '../md5'
import { seeded } from './seeded'

/** MD5 of the string's UTF-8 bytes as Node computes it (a lone surrogate becomes EF BF BD). */
const nodeMd5 = (text: string) => createHash('md5').update(Buffer.from(text, 'utf8')).digest('hex')

/** A well-formed string mixing 1-, 2-, 3- and 4-byte UTF-8 characters. */
function randomText(random: () => number): string {
  const ranges: [number, number][] = [
    [0x20, 0x7e], // ASCII
    [0x00, 0x1f], // control characters
    [0xa0, 0x7ff], // 2 bytes
    [0x4e00, 0x9fff], // CJK, 3 bytes
    [0xe000, 0xfffd], // private use and specials, 3 bytes
    [0x1f300, 0x1faff], // emoji, 4 bytes
  ]
  const length = Math.floor(random() * 150)
  let text = ''
  for (let i = 0; i < length; i++) {
    const [low, high] = ranges[Math.floor(random() * ranges.length)]!
    text += String.fromCodePoint(low + Math.floor(random() * (high - low + 1)))
  }
  return text
}

describe('md5', () => {
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    [
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
      'd174ab98d277d9f5a5611c2c9f419d9f',
    ],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      '57edf4a22be3c955ac49da2e2107b67a',
    ],
  ])('matches the RFC 1321 §A.5 test vector for %j', (text, digest) => {
    expect(md5(text)).toBe(digest)
  })

  it.each([0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000])(
    'pads a %i-byte message correctly around the 64-byte block boundary',
    (length) => {
      const text = 'x'.repeat(length)
      expect(md5(text)).toBe(nodeMd5(text))
    },
  )

  it('hashes multi-byte characters at the block boundary (55 bytes + one 3-byte char)', () => {
    const text = 'a'.repeat(55) + '中'
    expect(md5(text)).toBe(nodeMd5(text))
  })

  it.each([
    ['Chinese', '埋点事件追踪'],
    ['emoji', 'launch 🚀 party 🎉👨‍👩‍👧'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
    ['a high surrogate at the end', 'end\ud83d'],
  ])('hashes the UTF-8 bytes of %s like node:crypto', (_label, text) => {
    expect(md5(text)).toBe(nodeMd5(text))
  })

  it('returns 32 lower-case hex digits', () => {
    expect(md5('Trackpoint')).toMatch(/^[0-9a-f]{32}$/)
  })

  it('agrees with spark-md5 on 300 random well-formed strings', () => {
    const random = seeded(0x5eed)
    for (let i = 0; i < 300; i++) {
      const text = randomText(random)
      expect(md5(text), JSON.stringify(text)).toBe(SparkMD5.hash(text))
    }
  })
})
