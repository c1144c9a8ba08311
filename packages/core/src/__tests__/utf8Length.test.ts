import { describe, expect, it } from 'vitest'
import { utf8Length } from '../utf8Length'
import { seeded } from './seeded'

const encoder = new TextEncoder()
const encodedLength = (text: string) => encoder.encode(text).length

describe('utf8Length', () => {
  it.each([
    ['the empty string', ''],
    ['ASCII', '{"event_name":"page_view","n":1}'],
    ['control characters and DEL', '\u0000\t\n\u007f'],
    ['2-byte characters', 'é ß Ω ߿ \u0080'],
    ['3-byte characters', '埋点 € \u0800 \uffff'],
    ['4-byte characters', '🚀🎉 \u{10000} \u{10ffff}'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00b'],
    ['a high surrogate at the end', 'abc\ud83d'],
    ['a low surrogate before a high one', '\udc00\ud800'],
    ['two high surrogates then a low one', '\ud800\ud83d\ude80'],
    ['a mix', 'user 张三 spent €5 🎉 at café\ud800'],
  ])('counts the bytes TextEncoder writes for %s', (_label, text) => {
    expect(utf8Length(text)).toBe(encodedLength(text))
  })

  it('counts 1, 2, 3 and 4 bytes per character across the UTF-8 boundaries', () => {
    expect(utf8Length('\u007f')).toBe(1)
    expect(utf8Length('\u0080')).toBe(2)
    expect(utf8Length('\u07ff')).toBe(2)
    expect(utf8Length('\u0800')).toBe(3)
    expect(utf8Length('\ud7ff')).toBe(3)
    expect(utf8Length('\ue000')).toBe(3)
    expect(utf8Length('\u{10000}')).toBe(4)
  })

  it('agrees with TextEncoder on 1,000 random strings of UTF-16 code units', () => {
    const random = seeded(7)
    // Weighted towards the interesting ranges, surrogates (paired or not) included.
    const ranges: [number, number][] = [
      [0x00, 0x7f],
      [0x80, 0x7ff],
      [0x800, 0xd7ff],
      [0xd800, 0xdbff],
      [0xdc00, 0xdfff],
      [0xe000, 0xffff],
    ]
    for (let n = 0; n < 1000; n++) {
      const units: number[] = []
      const length = Math.floor(random() * 40)
      for (let i = 0; i < length; i++) {
        const [low, high] = ranges[Math.floor(random() * ranges.length)]!
        units.push(low + Math.floor(random() * (high - low + 1)))
      }
      const text = String.fromCharCode(...units)
      expect(utf8Length(text), JSON.stringify(text)).toBe(encodedLength(text))
    }
  })
})
