import type { Tracker } from '../types'

/** What the capture helpers need of a tracker: only `track`. */
export type TrackTarget = Pick<Tracker, 'track'>

/** `track` without the plan's static types, for names and properties known only at run time. */
export const trackLoose = (
  tracker: TrackTarget,
  name: string,
  properties: Record<string, unknown>,
): void =>
  (tracker.track as (name: string, properties: Record<string, unknown>) => void)(name, properties)

/** Names a page from its location; used for `page_name`. */
export type PageNamer = (location: Location) => string

/** The default page name: the path, e.g. `/onchain/landing`. */
export const pathName: PageNamer = (location) => location.pathname

/** True in a browser; the capture helpers are inert elsewhere (Node, SSR). */
export const inBrowser = (): boolean =>
  typeof window !== 'undefined' && typeof document !== 'undefined'

export const noop = (): void => undefined
