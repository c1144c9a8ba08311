import { onScopeDispose, shallowRef, watch, type Ref } from 'vue'
import { StatsError, statsRequest, takePrefetched } from './statsClient'

/** What a panel shows: loading, an error, nothing to show, or the data. */
export type PanelStatus = 'idle' | 'loading' | 'error' | 'empty' | 'ready'

/** The state of one stats request, as {@link useStats} keeps it. */
export interface StatsState<T> {
  status: Ref<PanelStatus>
  data: Ref<T | undefined>
  error: Ref<StatsError | undefined>
  /** Asks again (after an edit, or from the error state's retry button). */
  reload(): void
  /** Asks again and keeps showing the current data until the answer comes (polling). */
  refresh(): void
}

/**
 * Fetches the stats URL that `url()` returns (null: nothing to ask yet) and again whenever it
 * changes; an answer to an older URL is dropped (its request is aborted). `isEmpty` decides
 * when the answer has nothing to show.
 */
export function useStats<T>(
  url: () => string | null,
  isEmpty: (data: T) => boolean,
): StatsState<T> {
  const status = shallowRef<PanelStatus>('idle')
  const data = shallowRef<T>()
  const error = shallowRef<StatsError>()
  let controller: AbortController | undefined

  const load = (target: string | null, quiet = false) => {
    controller?.abort()
    controller = undefined
    if (target === null) {
      status.value = 'idle'
      data.value = undefined
      return
    }
    const current = new AbortController()
    controller = current
    if (!quiet || status.value !== 'ready') status.value = 'loading'
    error.value = undefined
    ;(takePrefetched<T>(target) ?? statsRequest<T>(target, { signal: current.signal })).then(
      (answer) => {
        if (current.signal.aborted) return
        data.value = answer
        status.value = isEmpty(answer) ? 'empty' : 'ready'
      },
      (failure: unknown) => {
        if (current.signal.aborted) return
        data.value = undefined
        error.value = failure instanceof StatsError ? failure : new StatsError(0, String(failure))
        status.value = 'error'
      },
    )
  }

  watch(url, (target) => load(target), { immediate: true })
  onScopeDispose(() => controller?.abort())
  return { status, data, error, reload: () => load(url()), refresh: () => load(url(), true) }
}
