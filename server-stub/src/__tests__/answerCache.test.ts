import { describe, expect, it } from 'vitest'
import { createAnswerCache } from '../stats/answerCache'

describe('createAnswerCache', () => {
  it('answers only under the fingerprint it was given, with copies', () => {
    const cache = createAnswerCache<{ n: number[] }>()
    const value = { n: [1] }
    cache.set('k', 'f1', value)
    value.n.push(2)
    expect(cache.get('k', 'f2')).toBeUndefined()
    const got = cache.get('k', 'f1')
    expect(got).toEqual({ n: [1] })
    got?.n.push(3)
    expect(cache.get('k', 'f1')).toEqual({ n: [1] })
  })

  it('drops the least recently used answer beyond its size', () => {
    const cache = createAnswerCache<number>(2)
    cache.set('a', 'f', 1)
    cache.set('b', 'f', 2)
    expect(cache.get('a', 'f')).toBe(1)
    cache.set('c', 'f', 3)
    expect([cache.get('a', 'f'), cache.get('b', 'f'), cache.get('c', 'f')]).toEqual([
      1,
      undefined,
      3,
    ])
  })
})
