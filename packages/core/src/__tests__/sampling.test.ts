import { describe, expect, it } from 'vitest'
import { isSampledIn } from '../sampling'
import { seeded } from './seeded'

/** A UUID-shaped id, like the anonymous ids the SDK makes. */
const randomId = (random: () => number) =>
  'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const n = Math.floor(random() * 16)
    return (c === 'x' ? n : (n & 3) | 8).toString(16)
  })

const randomIds = (count: number, seed: number) => {
  const random = seeded(seed)
  return Array.from({ length: count }, () => randomId(random))
}

describe('isSampledIn', () => {
  it('gives the same answer for the same user every time', () => {
    for (const id of randomIds(200, 1)) {
      const first = isSampledIn(id, 0.3)
      for (let i = 0; i < 3; i++) expect(isSampledIn(id, 0.3)).toBe(first)
    }
  })

  it('keeps everyone at rate 1 (and above) and no one at rate 0 (and below)', () => {
    for (const id of [...randomIds(500, 2), '', 'a']) {
      expect(isSampledIn(id, 1)).toBe(true)
      expect(isSampledIn(id, 1.5)).toBe(true)
      expect(isSampledIn(id, 0)).toBe(false)
      expect(isSampledIn(id, -1)).toBe(false)
    }
  })

  it('keeps a user sampled in at a lower rate sampled in at every higher rate', () => {
    for (const id of randomIds(500, 3)) {
      if (isSampledIn(id, 0.1)) expect(isSampledIn(id, 0.5)).toBe(true)
    }
  })

  it.each([0.1, 0.5])('samples in a fraction of 20,000 random ids within ±2%% of %f', (rate) => {
    const ids = randomIds(20_000, 42)
    const fraction = ids.filter((id) => isSampledIn(id, rate)).length / ids.length
    expect(fraction).toBeGreaterThan(rate - 0.02)
    expect(fraction).toBeLessThan(rate + 0.02)
  })
})
