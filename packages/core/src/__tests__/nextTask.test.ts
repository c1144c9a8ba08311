// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTask } from '../nextTask'

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

/** Whether `promise` settled once the microtasks queued so far have run. */
const settledNow = async (promise: Promise<void>) => {
  let settled = false
  void promise.then(() => (settled = true))
  for (let i = 0; i < 5; i++) await Promise.resolve()
  return settled
}

describe('nextTask', () => {
  it('resolves in a later task (a zero timeout) while the page is visible', async () => {
    vi.useFakeTimers()
    const next = nextTask()
    expect(await settledNow(next)).toBe(false)
    await vi.advanceTimersByTimeAsync(0)
    expect(await settledNow(next)).toBe(true)
  })

  it('uses scheduler.yield() where the browser has it', async () => {
    const yieldToMain = vi.fn(() => Promise.resolve())
    vi.stubGlobal('scheduler', { yield: yieldToMain })
    await nextTask()
    expect(yieldToMain).toHaveBeenCalledOnce()
  })

  it('goes on at once while the page is hidden (its timers may be held for a minute)', async () => {
    vi.useFakeTimers()
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden')
    expect(await settledNow(nextTask())).toBe(true)
  })
})
