import { onBeforeUnmount, onMounted } from 'vue'

/**
 * Calls `tick` every `ms` while the component is mounted and the tab is visible (a hidden
 * tab asks the server nothing).
 */
export function usePolling(tick: () => void, ms: number): void {
  let timer: ReturnType<typeof setInterval> | undefined
  onMounted(() => {
    timer = setInterval(() => {
      if (document.visibilityState === 'visible') tick()
    }, ms)
  })
  onBeforeUnmount(() => clearInterval(timer))
}
