import { onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'
import { StatsError, statsRequest, statsUrl, takePrefetched, type QueryParams } from './statsClient'

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

/** What {@link useListAndPick} keeps: a list, the id picked in it, and that item's answer. */
export interface ListAndPick<L, D> {
  list: StatsState<L>
  /** The item shown: the list's first until the operator picks one ('' before the list). */
  chosen: Ref<string>
  item: StatsState<D>
}

/**
 * A list of the range (deliveries, Actions) and the one item of it a view details: the first
 * of the list until the operator picks another, from the list or by id.
 *
 * @param list - The list's route, and when it has nothing to show.
 * @param firstId - The id of the list's first item, if any.
 * @param item - The item's route (its id is appended, encoded), and when it has nothing to show.
 * @param params - The query parameters both requests take (range, filters).
 */
export function useListAndPick<L, D>(
  list: { path: string; isEmpty: (data: L) => boolean },
  firstId: (data: L) => string | undefined,
  item: { path: string; isEmpty: (data: D) => boolean },
  params: () => QueryParams,
): ListAndPick<L, D> {
  const listState = useStats<L>(() => statsUrl(list.path, params()), list.isEmpty)
  const chosen = ref('')
  watch(listState.data, (data) => {
    const first = data && firstId(data)
    if (!chosen.value && first) chosen.value = first
  })
  const itemState = useStats<D>(
    () =>
      chosen.value ? statsUrl(`${item.path}/${encodeURIComponent(chosen.value)}`, params()) : null,
    item.isEmpty,
  )
  return { list: listState, chosen, item: itemState }
}
