// A stand-in IntersectionObserver for unit tests of timing logic: the test says how visible an
// element is, the fake calls the observers that watch it. Real intersection is tested in
// Chromium (e2e/impression.spec.ts).

export class FakeIntersectionObserver {
  static instances: FakeIntersectionObserver[] = []
  readonly targets = new Set<Element>()
  readonly thresholds: number[]

  constructor(
    private readonly callback: IntersectionObserverCallback,
    options: IntersectionObserverInit = {},
  ) {
    const { threshold = 0 } = options
    this.thresholds = Array.isArray(threshold) ? threshold : [threshold]
    FakeIntersectionObserver.instances.push(this)
  }

  observe(target: Element): void {
    this.targets.add(target)
  }

  unobserve(target: Element): void {
    this.targets.delete(target)
  }

  disconnect(): void {
    this.targets.clear()
  }

  takeRecords(): IntersectionObserverEntry[] {
    return []
  }

  /** Delivers one entry per target at `ratio` to this observer in one callback, as a browser would. */
  report(targets: Element | Element[], ratio: number): void {
    const entries = [targets].flat().map(
      (target) =>
        ({
          target,
          isIntersecting: ratio > 0,
          intersectionRatio: ratio,
        }) as unknown as IntersectionObserverEntry,
    )
    this.callback(entries, this as unknown as IntersectionObserver)
  }
}

/** Reports `ratio` for `target` to every live observer that watches it. */
export function setVisibleRatio(target: Element, ratio: number): void {
  for (const observer of FakeIntersectionObserver.instances) {
    if (observer.targets.has(target)) observer.report(target, ratio)
  }
}

/** Reports `ratio` for all `targets` at once: one callback per observer (elements entering together). */
export function setVisibleRatios(targets: Element[], ratio: number): void {
  for (const observer of FakeIntersectionObserver.instances) {
    const watched = targets.filter((t) => observer.targets.has(t))
    if (watched.length) observer.report(watched, ratio)
  }
}

/** The observers that currently watch at least one element. */
export const liveObservers = (): FakeIntersectionObserver[] =>
  FakeIntersectionObserver.instances.filter((observer) => observer.targets.size > 0)

let visibility: DocumentVisibilityState = 'visible'

/** Makes `document.visibilityState` controllable and fires `visibilitychange` on change. */
export function installVisibility(): void {
  visibility = 'visible'
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => visibility,
  })
}

export function setTabVisibility(state: DocumentVisibilityState): void {
  visibility = state
  document.dispatchEvent(new Event('visibilitychange'))
}
