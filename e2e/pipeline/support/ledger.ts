// The ledger of a scenario: every event_id the pages tracked (reported by a tracker plugin the
// moment track() queued it), every event_id the collector acknowledged (the recording proxy:
// what got a 2xx and was not listed as rejected), every event_id stored (read from the
// ClickHouse engine's data directory), and the stats API's numbers. `account()` says what is
// wrong, hop by hop, naming event_ids.
import type { BrowserContext, Page } from '@playwright/test'
import type { ProxiedRequest } from './recordingProxy'
import {
  actionNumbers,
  dailyOf,
  deliveryNumbers,
  idsIn,
  overviewNumbers,
  type LedgerEvent,
} from './expectedStats'

/** A stored row: event_id, its rows under FINAL (what the stats count), its raw rows. */
export interface StoredRow {
  event_id: string
  /** Rows of this event_id in `events FINAL`; more than 1 is a double count. */
  copies: number
  /** Rows before merges (replays show up here and are harmless). */
  raw: number
  event_name: string
  user_id: string
  timestamp: number
}

/** The name of the page binding the tracker plugin reports through. */
export const LEDGER_BINDING = '__trackpointLedgerRecord'

/** localStorage keys of the page-side journal of tracked events. */
export const JOURNAL_PREFIX = '__trackpointLedger:'

/**
 * A script for `addInitScript`: defines `window.__trackpointLedger`, a tracker plugin (the
 * SDK's public `plugins` option) that reports each event to the ledger and passes it on.
 */
export const LEDGER_INIT_SCRIPT = `
  window.__trackpointLedger = function (event) {
    var json = JSON.stringify(event)
    try { window.${LEDGER_BINDING}(json) } catch (e) {}
    // The binding's message can be lost when the page goes away right after (events tracked
    // on pagehide: page_duration, web_vitals), so the event is also journaled synchronously in
    // localStorage, which the ledger reads back from a blank page of the same origin.
    try { localStorage.setItem('${JOURNAL_PREFIX}' + event.event_id, json) } catch (e) {}
    return event
  }`

/** One scenario's accounts. */
export class Ledger {
  /** Events the pages tracked, by event_id. */
  readonly tracked = new Map<string, LedgerEvent>()
  /** event_ids a page reported twice (a new event must get a new id). */
  readonly trackedTwice: string[] = []

  /** Which browser context (its label) tracked each event. */
  private readonly labels = new Map<string, string>()

  /**
   * Starts recording what the pages of `context` track, under `label` (a user of the
   * scenario). Call before opening pages.
   */
  async watch(context: BrowserContext, label: string): Promise<void> {
    await context.exposeBinding(LEDGER_BINDING, (_source, json: string) => {
      this.record(JSON.parse(json) as LedgerEvent, label)
    })
    await context.addInitScript(LEDGER_INIT_SCRIPT)
  }

  /** Adds one tracked event (also for events a test sends itself, without a page). */
  record(event: LedgerEvent, label = ''): void {
    if (this.forgotten.has(event.event_id)) return
    if (this.tracked.has(event.event_id)) this.trackedTwice.push(event.event_id)
    else {
      this.tracked.set(event.event_id, event)
      this.labels.set(event.event_id, label)
    }
  }

  /**
   * Reads back the journal of every event the pages of this origin tracked (including those
   * tracked while a page was going away) from `page`, which must be on a page of the same
   * origin without a tracker, and records what the binding missed.
   */
  async readJournal(page: Page, label: string): Promise<void> {
    const journal = await page.evaluate((prefix) => {
      const out: string[] = []
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i)
        if (key?.startsWith(prefix)) out.push(localStorage.getItem(key) ?? '')
      }
      return out
    }, JOURNAL_PREFIX)
    for (const json of journal) {
      const event = JSON.parse(json) as LedgerEvent
      if (!this.tracked.has(event.event_id)) this.record(event, label)
    }
  }

  /**
   * Takes events out of the accounts, for a scenario that pins down a known loss with its own
   * assertion (and reports it) before balancing the rest. They are never read back again.
   */
  forget(ids: string[]): void {
    for (const id of ids) {
      this.tracked.delete(id)
      this.forgotten.add(id)
    }
  }

  private readonly forgotten = new Set<string>()

  /** The events tracked under `label`, optionally only those named `name`. */
  of(label: string, name?: string): LedgerEvent[] {
    return this.events().filter(
      (e) => this.labels.get(e.event_id) === label && (!name || e.event_name === name),
    )
  }

  /** The tracked events, in no particular order. */
  events(): LedgerEvent[] {
    return [...this.tracked.values()]
  }

  /** How many of each event name were tracked. */
  countByName(): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const e of this.tracked.values()) counts[e.event_name] = (counts[e.event_name] ?? 0) + 1
    return counts
  }
}

/** What the stats API must answer, per route, and what it did. */
export interface StatsComparison {
  path: string
  expected: unknown
  actual: unknown
}

const get = async (statsUrl: string, path: string, token: string): Promise<unknown> => {
  const response = await fetch(`${statsUrl}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(15_000),
  })
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}`)
  return response.json()
}

/**
 * Asks the stats API for every number the ledger can predict: each delivery and Action the
 * events mention, and the overview. Returns the pairs; equal means the API is right.
 */
export async function compareStats(
  events: LedgerEvent[],
  statsUrl: string,
  token: string,
): Promise<StatsComparison[]> {
  const { deliveries, actions } = idsIn(events)
  const out: StatsComparison[] = []
  for (const id of deliveries) {
    const path = `/api/stats/delivery/${encodeURIComponent(id)}`
    const body = (await get(statsUrl, path, token)) as Record<string, unknown>
    out.push({
      path,
      expected: deliveryNumbers(events, id),
      actual: {
        viewed_users: body.viewed_users,
        clicked_users: body.clicked_users,
        completed_users: body.completed_users,
        daily: dailyOf(body.daily_stats as Record<string, unknown>[], [
          'views',
          'clicks',
          'completions',
        ]),
      },
    })
  }
  for (const id of actions) {
    const path = `/api/stats/action/${encodeURIComponent(id)}`
    const body = (await get(statsUrl, path, token)) as Record<string, unknown>
    out.push({
      path,
      expected: actionNumbers(events, id),
      actual: {
        page_views: body.page_views,
        card_clicks: body.card_clicks,
        starts: body.starts,
        completions: body.completions,
        daily: dailyOf(body.daily_stats as Record<string, unknown>[], [
          'views',
          'starts',
          'completions',
        ]),
      },
    })
  }
  const overview = (await get(statsUrl, '/api/stats/overview', token)) as Record<string, unknown>
  out.push({
    path: '/api/stats/overview',
    expected: overviewNumbers(events),
    actual: {
      pv: overview.pv,
      uv: overview.uv,
      daily: dailyOf(overview.daily_stats as Record<string, unknown>[], ['pv', 'uv']),
    },
  })
  return out
}

const sameJson = (a: unknown, b: unknown): boolean => stableJson(a) === stableJson(b)
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1,
    )
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** The comparisons that differ, as readable lines. */
export function statsProblems(comparisons: StatsComparison[]): string[] {
  return comparisons
    .filter((c) => !sameJson(c.expected, c.actual))
    .map(
      (c) =>
        `${c.path}: the ledger says ${stableJson(c.expected)}, the API ${stableJson(c.actual)}`,
    )
}

/** Everything a scenario checks at its end, with the problems found. */
export interface Accounts {
  tracked: number
  /** Requests that carried events (every attempt, retries included). */
  sent: number
  acknowledged: number
  stored: number
  /** Stored rows before merges that were extra copies of an event (replays; harmless). */
  replayedRows: number
  /** Human-readable problems; empty when the scenario's accounts balance. */
  problems: string[]
}

const LIST_LIMIT = 20
const list = (ids: string[]) =>
  ids.length > LIST_LIMIT
    ? `${ids.slice(0, LIST_LIMIT).join(', ')} … (${ids.length} in all)`
    : ids.join(', ')

/** Whether the collector acknowledged (2xx, not rejected) each of `events`, by the proxy's records. */
export function allAcknowledged(
  events: readonly { event_id: string }[],
  requests: readonly ProxiedRequest[],
): boolean {
  const acked = new Set(requests.flatMap((r) => r.acknowledged))
  return events.every((e) => acked.has(e.event_id))
}

/**
 * Balances the ledger: every tracked event stored exactly once, nothing stored that was not
 * tracked, every acknowledged event stored; a lost event is reported at the hop it was last
 * seen (never left the page / sent but never acknowledged / acknowledged but not stored).
 * `mustNotStore` lists event_ids a test sent itself and expects refused or dead-lettered.
 */
export function balance(
  ledger: Ledger,
  requests: ProxiedRequest[],
  stored: StoredRow[],
  { mustNotStore = [] as string[] } = {},
): Accounts {
  const problems: string[] = []
  const sent = new Set(requests.flatMap((r) => r.eventIds))
  const acknowledged = new Set(requests.flatMap((r) => r.acknowledged))
  const storedById = new Map(stored.map((row) => [row.event_id, row]))
  const neverSent: string[] = []
  const neverAcknowledged: string[] = []
  const lostAfterAck: string[] = []
  for (const id of ledger.tracked.keys()) {
    if (storedById.has(id)) continue
    if (!sent.has(id)) neverSent.push(id)
    else if (!acknowledged.has(id)) neverAcknowledged.push(id)
    else lostAfterAck.push(id)
  }
  const named = (id: string) => `${id} (${ledger.tracked.get(id)?.event_name ?? '?'})`
  if (neverSent.length) {
    problems.push(`lost in the page (tracked, never sent): ${list(neverSent.map(named))}`)
  }
  if (neverAcknowledged.length) {
    const answers = (id: string) =>
      requests
        .filter((r) => r.eventIds.includes(id))
        .map((r) => `${r.status || 'cut'}@${new Date(r.at).toISOString().slice(11, 23)}`)
        .join('/')
    const names = (id: string) => ledger.tracked.get(id)?.event_name ?? '?'
    problems.push(
      `lost at the collector (sent, never acknowledged): ${list(
        neverAcknowledged.map((id) => `${id} (${names(id)}; answers ${answers(id)})`),
      )}`,
    )
  }
  if (lostAfterAck.length) {
    problems.push(
      `lost after the collector acknowledged them (Kafka → consumer → ClickHouse): ${list(lostAfterAck.map(named))}`,
    )
  }
  const refused = new Set(mustNotStore)
  // An acknowledged event may go unstored only when the test expects the store to refuse it
  // (it is then dead-lettered with a reason, which the scenario checks).
  const ackedNotStored = [...acknowledged].filter((id) => !storedById.has(id) && !refused.has(id))
  if (ackedNotStored.length) {
    problems.push(`acknowledged (2xx) but not stored: ${list(ackedNotStored)}`)
  }
  const doubled = stored.filter((row) => row.copies > 1)
  if (doubled.length) {
    problems.push(
      `stored more than once (counted twice): ${list(doubled.map((r) => `${r.event_id}×${r.copies}`))}`,
    )
  }
  const untracked = stored.filter((row) => !ledger.tracked.has(row.event_id))
  const storedButRefusable = untracked.filter((row) => refused.has(row.event_id))
  const unknown = untracked.filter((row) => !refused.has(row.event_id))
  if (unknown.length) {
    problems.push(
      `stored but never tracked: ${list(unknown.map((r) => `${r.event_id} (${r.event_name})`))}`,
    )
  }
  if (storedButRefusable.length) {
    problems.push(
      `stored although it should be refused: ${list(storedButRefusable.map((r) => r.event_id))}`,
    )
  }
  if (ledger.trackedTwice.length) {
    problems.push(`one event_id tracked twice by a page: ${list(ledger.trackedTwice)}`)
  }
  return {
    tracked: ledger.tracked.size,
    sent: requests.filter((r) => r.eventIds.length).length,
    acknowledged: acknowledged.size,
    stored: stored.length,
    replayedRows: stored.reduce((sum, row) => sum + row.raw - row.copies, 0),
    problems,
  }
}
