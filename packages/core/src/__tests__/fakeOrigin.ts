/** The localStorage of one fake tab of a {@link createFakeOrigin}. */
export interface FakeTab {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  /** The tab's process dies: it neither writes nor reads anything from now on. */
  crash(): void
}

/**
 * Tabs of one origin sharing localStorage the way Chromium shares it: each tab reads its own
 * copy, which its writes change at once; a write reaches the shared store and the other tabs'
 * copies `delayMs` later. A tab ignores a change from another tab to a key its own write to
 * is still on the way (that write comes after it and wins), so every copy ends equal to the
 * store. Uses `setTimeout` (fake timers in tests).
 */
export function createFakeOrigin(delayMs = 20) {
  const store = new Map<string, string>()
  interface TabState {
    copy: Map<string, string>
    sending: Map<string, number>
    dead: boolean
  }
  const tabs: TabState[] = []

  /** Applies a write to the store and to the copy of every other tab that is alive. */
  const deliver = (from: TabState | undefined, key: string, value: string | null): void => {
    for (const copy of [
      store,
      ...tabs.filter((t) => t !== from && !t.dead && !t.sending.get(key)).map((t) => t.copy),
    ]) {
      if (value === null) copy.delete(key)
      else copy.set(key, value)
    }
  }

  return {
    store,
    /** A write from outside the tabs (an older SDK, leftovers), seen by every tab at once. */
    write: (key: string, value: string | null): void => deliver(undefined, key, value),

    open(): FakeTab {
      const state: TabState = { copy: new Map(store), sending: new Map(), dead: false }
      tabs.push(state)
      const write = (key: string, value: string | null): void => {
        if (state.dead) return
        if (value === null) state.copy.delete(key)
        else state.copy.set(key, value)
        state.sending.set(key, (state.sending.get(key) ?? 0) + 1)
        setTimeout(() => {
          state.sending.set(key, state.sending.get(key)! - 1)
          deliver(state, key, value)
        }, delayMs)
      }
      return {
        storage: {
          getItem: (key) => (state.dead ? null : (state.copy.get(key) ?? null)),
          setItem: (key, value) => write(key, value),
          removeItem: (key) => write(key, null),
        },
        crash: () => void (state.dead = true),
      }
    },
  }
}
