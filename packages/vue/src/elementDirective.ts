import type { DirectiveBinding, ObjectDirective, VNode } from 'vue'

/** What a directive runs on one element, from mount (or a new argument) to unmount. */
export interface DirectiveRun<V> {
  /** Takes a newer value; returns false when the run must start over with it. */
  update(value: V): boolean
  /** Ends the run; calling it twice is harmless. */
  stop(): void
}

interface Running {
  arg: string | undefined
  run: DirectiveRun<unknown>
}

/**
 * Element → the runs of our directives on it, by the directive's position among the element's
 * directives: one element may carry `v-track:click` and `v-track:focus`, or two `v-impression`s.
 */
const runs = new WeakMap<Element, Running[]>()
const at = (binding: DirectiveBinding, vnode: VNode) => vnode.dirs!.indexOf(binding)

/**
 * A directive that starts a run on mount, hands it each updated value, and stops it on unmount.
 * A changed argument (`v-track:[event]`) stops the run and starts a new one, as a remount would.
 * @internal
 */
export function elementDirective<V>(
  start: (el: Element, value: V, arg: string | undefined) => DirectiveRun<V>,
): ObjectDirective<Element, V> {
  const mounted = (el: Element, binding: DirectiveBinding<V>, vnode: VNode) => {
    let list = runs.get(el)
    if (!list) runs.set(el, (list = []))
    list[at(binding, vnode)] = { arg: binding.arg, run: start(el, binding.value, binding.arg) }
  }
  return {
    mounted,
    updated(el, binding, vnode) {
      const running = runs.get(el)?.[at(binding, vnode)]
      if (running && running.arg === binding.arg && running.run.update(binding.value)) {
        return
      }
      running?.run.stop()
      mounted(el, binding, vnode)
    },
    unmounted: (el, binding, vnode) => runs.get(el)?.[at(binding, vnode)]?.run.stop(),
    // Nothing to render on the server; without this hook SSR of a custom directive fails.
    getSSRProps: () => ({}),
  }
}
