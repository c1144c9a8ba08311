import { ref } from 'vue'

/** The views of the operations dashboard, in the order of the navigation. */
export const VIEWS = ['overview', 'actions', 'paths', 'deliveries', 'health', 'live'] as const
/** One of {@link VIEWS}. */
export type View = (typeof VIEWS)[number]

const fromHash = (): View => {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0]
  return (VIEWS as readonly string[]).includes(name ?? '') ? (name as View) : 'overview'
}

/**
 * The view shown, kept in the URL's hash (`#/deliveries`) so that a reload, a link or the
 * back button lands on it; the stats role serves one index.html whatever the hash.
 */
export const currentView = ref<View>(fromHash())

/** Shows `view` and records it in the history. */
export function goTo(view: View): void {
  if (view === currentView.value) return
  location.hash = `#/${view}`
}

addEventListener('hashchange', () => {
  currentView.value = fromHash()
})
