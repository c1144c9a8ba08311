import { describe, expect, it, vi } from 'vitest'
import { computeSign, createSigner } from '../signer'

describe('computeSign', () => {
  it('signs the §五.5 example inputs to the fixed vector', () => {
    expect(computeSign('onchain_app', 1693245789000, 'your_app_secret')).toBe(
      '51d611374a98fe27c4d55602ae9e9149',
    )
  })
})

describe('createSigner', () => {
  it('signs with the secret when no sign callback is given', async () => {
    const signer = createSigner('onchain_app', 'your_app_secret', undefined)
    await expect(signer(1693245789000)).resolves.toEqual({
      app_id: 'onchain_app',
      timestamp: 1693245789000,
      sign: '51d611374a98fe27c4d55602ae9e9149',
    })
  })

  it('uses a synchronous sign callback instead of the secret', async () => {
    const sign = vi.fn((appId: string, timestamp: number) => `${appId}:${timestamp}`)
    const signer = createSigner('onchain_app', 'your_app_secret', sign)
    await expect(signer(42)).resolves.toEqual({
      app_id: 'onchain_app',
      timestamp: 42,
      sign: 'onchain_app:42',
    })
    expect(sign).toHaveBeenCalledWith('onchain_app', 42)
  })

  it('awaits an asynchronous sign callback', async () => {
    const signer = createSigner('onchain_app', undefined, async (_appId, timestamp) => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      return `from-backend-${timestamp}`
    })
    await expect(signer(7)).resolves.toEqual({
      app_id: 'onchain_app',
      timestamp: 7,
      sign: 'from-backend-7',
    })
  })

  it('signs a fresh timestamp on every call', async () => {
    const signer = createSigner('onchain_app', 'your_app_secret', undefined)
    const first = await signer(1693245789000)
    const second = await signer(1693245789001)
    expect(second.sign).toBe(computeSign('onchain_app', 1693245789001, 'your_app_secret'))
    expect(second.sign).not.toBe(first.sign)
  })

  it('rejects when the callback never settles, after its timeout', async () => {
    vi.useFakeTimers()
    const signer = createSigner('onchain_app', undefined, () => new Promise<string>(() => {}), 500)
    const outcome = expect(signer(1)).rejects.toThrow('sign() timed out after 500 ms')
    await vi.advanceTimersByTimeAsync(500)
    await outcome
    vi.useRealTimers()
  })

  it('rejects with what the callback threw or rejected with, a TypeError included', async () => {
    const failure = new TypeError('Failed to fetch')
    const throwing = createSigner('a', undefined, () => {
      throw failure
    })
    const rejecting = createSigner('a', undefined, () => Promise.reject(failure))
    for (const signer of [throwing, rejecting]) await expect(signer(1)).rejects.toBe(failure)
  })

  it('rejects when the callback returns no string', async () => {
    for (const value of [undefined, '', 42]) {
      const signer = createSigner('a', undefined, () => value as unknown as string)
      await expect(signer(1)).rejects.toThrow('sign() returned no string')
    }
  })
})
