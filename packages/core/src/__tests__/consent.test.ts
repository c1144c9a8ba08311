// @vitest-environment jsdom
// Consent, opt-out and Global Privacy Control (issue 14): what the tracker stores on the
// device (IndexedDB through fake-indexeddb, localStorage) and sends (msw) in each state.
import 'fake-indexeddb/auto'
import { createStore, promisifyRequest } from 'idb-keyval'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { initialConsent } from '../consent'
import { MAX_WAITING_EVENTS } from '../createTracker'
import type { Consent } from '../types'
import { advance, cardIds, cards, collector, errors, makeTracker, settle } from './trackerHarness'

let appSeq = 0
/** A fresh app id: each test's IndexedDB database and localStorage keys are its own. */
const newApp = () => `consent_app_${++appSeq}`

/** Segments stored in the app's IndexedDB queue; 0 when the database was never created. */
const storedSegments = async (appId: string): Promise<number> => {
  const databases = await indexedDB.databases()
  if (!databases.some((d) => d.name === `trackpoint:${appId}`)) return 0
  const db = createStore(`trackpoint:${appId}`, 'events')
  return db('readonly', (store) => promisifyRequest(store.count()))
}
const databaseExists = async (appId: string) =>
  (await indexedDB.databases()).some((d) => d.name === `trackpoint:${appId}`)

/** The tracker's localStorage keys of `appId`, without the `trackpoint:<appId>:` prefix. */
const storedKeys = (appId: string) =>
  Object.keys(localStorage)
    .filter((k) => k.startsWith(`trackpoint:${appId}:`))
    .map((k) => k.slice(`trackpoint:${appId}:`.length))
    .sort()

const setGpc = (value: boolean | undefined) =>
  Object.defineProperty(navigator, 'globalPrivacyControl', { configurable: true, value })

afterEach(() => setGpc(undefined))

describe('optOut / optIn', () => {
  it('while opted out nothing is queued, stored or sent, on this page and the next', async () => {
    const appId = newApp()
    const tracker = makeTracker({ appId, persist: true })
    tracker.optOut()
    expect(tracker.optedOut).toBe(true)
    expect(tracker.consent).toBe('denied')
    cards(tracker, 3)
    tracker.identify('user_42')
    await tracker.flush()
    await advance(10_000)
    expect(collector.requests).toHaveLength(0)
    expect(await storedSegments(appId)).toBe(0)
    // Only the decision itself is kept, so the next page starts opted out.
    expect(storedKeys(appId)).toEqual(['consent'])
    const nextPage = makeTracker({ appId, persist: true })
    expect(nextPage.optedOut).toBe(true)
    cards(nextPage, 2)
    await nextPage.flush()
    expect(collector.requests).toHaveLength(0)
    expect(await storedSegments(appId)).toBe(0)
  })

  it('deletes the stored queue and the ids; optIn starts over with a new anonymous id', async () => {
    const appId = newApp()
    collector.respond(() => 'network-error') // events stay stored, as while offline
    const tracker = makeTracker({ appId, persist: true })
    const anonymous = tracker.userId
    cards(tracker, 3)
    await tracker.flush()
    expect(await storedSegments(appId)).toBeGreaterThan(0)
    expect(storedKeys(appId)).toEqual(expect.arrayContaining(['anon', 'session']))

    tracker.optOut()
    await settle()
    expect(await storedSegments(appId)).toBe(0)
    expect(storedKeys(appId)).toEqual(['consent'])
    expect(tracker.userId).not.toBe(anonymous)

    collector.respond(() => undefined)
    collector.requests.length = 0
    tracker.optIn()
    expect(tracker.optedOut).toBe(false)
    cards(tracker, 1, 10)
    await advance(2000) // past the back-off of the failed attempt
    await tracker.flush()
    // Only what was tracked after optIn: the deleted events never come back.
    expect(cardIds()).toEqual(['card_10'])
    const [event] = collector.events
    expect(event!.anonymous_id).not.toBe(anonymous)
    expect(localStorage.getItem(`trackpoint:${appId}:anon`)).toBe(event!.anonymous_id)
    expect(localStorage.getItem(`trackpoint:${appId}:consent`)).toBe('granted')
  })

  it("sends nothing that was still being signed when the user opted out (a slow app's sign)", async () => {
    let signed: (sign: string) => void = () => undefined
    const sign = vi.fn(() => new Promise<string>((resolve) => (signed = resolve)))
    const tracker = makeTracker({ sign, batchSize: 1 })
    cards(tracker, 2)
    await settle()
    expect(sign).toHaveBeenCalledOnce() // the send has taken its batch and waits for a signature
    tracker.optOut()
    signed('signature-from-the-app')
    await advance(5000)
    expect(collector.requests).toHaveLength(0)

    // Opting in again sends what follows (with the signature made meanwhile: still fresh).
    tracker.optIn()
    cards(tracker, 1, 10)
    await advance(5000)
    expect(cardIds()).toEqual(['card_10'])
    expect(sign).toHaveBeenCalledOnce()
  })

  it("applies another tab's opt-out (the storage event) and tells listeners in both", async () => {
    const appId = newApp()
    const tabA = makeTracker({ appId })
    const tabB = makeTracker({ appId })
    const seenA: Consent[] = []
    const seenB: Consent[] = []
    tabA.onConsentChange((c) => seenA.push(c))
    const stop = tabB.onConsentChange((c) => seenB.push(c))
    tabA.optOut()
    // jsdom has one window: deliver what the browser would send tab B.
    dispatchEvent(
      new StorageEvent('storage', { key: `trackpoint:${appId}:consent`, newValue: 'denied' }),
    )
    expect(tabB.optedOut).toBe(true)
    cards(tabB, 2)
    await tabB.flush()
    expect(collector.requests).toHaveLength(0)
    stop()
    tabA.optIn()
    expect(seenA).toEqual(['denied', 'granted'])
    expect(seenB).toEqual(['denied'])
  })
})

describe("consent: 'pending'", () => {
  it('keeps events in memory only — no IndexedDB, no localStorage, no request — until granted', async () => {
    const appId = newApp()
    const tracker = makeTracker({ appId, persist: true, consent: 'pending' })
    expect(tracker.consent).toBe('pending')
    cards(tracker, 3)
    tracker.identify('user_42')
    await tracker.flush()
    await advance(10_000)
    expect(collector.requests).toHaveLength(0)
    expect(await databaseExists(appId)).toBe(false)
    expect(storedKeys(appId)).toEqual([])

    tracker.setConsent('granted')
    await tracker.flush()
    expect(cardIds().filter(Boolean)).toEqual(['card_0', 'card_1', 'card_2'])
    expect(collector.events.map((e) => e.event_name)).toContain('user_identify')
    expect(storedKeys(appId)).toEqual(['anon', 'consent', 'session', 'user'])
    // The answer is kept: the next page neither waits nor asks again.
    expect(makeTracker({ appId, consent: 'pending' }).consent).toBe('granted')
  })

  it('drops what waited when denied, sends nothing, and behaves as opted out', async () => {
    const appId = newApp()
    const tracker = makeTracker({ appId, persist: true, consent: 'pending' })
    cards(tracker, 3)
    tracker.setConsent('denied')
    cards(tracker, 2, 3)
    await tracker.flush()
    await advance(10_000)
    expect(collector.requests).toHaveLength(0)
    expect(tracker.optedOut).toBe(true)
    expect(await storedSegments(appId)).toBe(0)
    expect(storedKeys(appId)).toEqual(['consent'])
    // A later grant does not bring the dropped events back.
    tracker.setConsent('granted')
    await tracker.flush()
    expect(collector.requests).toHaveLength(0)
  })

  it(`keeps at most ${MAX_WAITING_EVENTS} events waiting, dropping the oldest and reporting them`, async () => {
    const tracker = makeTracker({ consent: 'pending', rateLimitBurst: 5000 })
    cards(tracker, MAX_WAITING_EVENTS + 5)
    await settle()
    expect(errors).toEqual([
      expect.objectContaining({
        kind: 'dropped',
        count: 5,
        message: expect.stringMatching(/consent/),
      }),
    ])
    tracker.setConsent('granted')
    await tracker.flush()
    const ids = cardIds()
    expect(ids).toHaveLength(MAX_WAITING_EVENTS)
    expect(ids[0]).toBe('card_5')
    expect(ids.at(-1)).toBe(`card_${MAX_WAITING_EVENTS + 4}`)
  })

  it('reports a setConsent value other than granted or denied and keeps waiting', async () => {
    const tracker = makeTracker({ consent: 'pending' })
    tracker.setConsent('yes' as 'granted')
    expect(tracker.consent).toBe('pending')
    expect(errors).toEqual([expect.objectContaining({ kind: 'invalid' })])
  })
})

describe('Global Privacy Control', () => {
  it('opts out when honorGlobalPrivacyControl is set and the browser sends it', async () => {
    setGpc(true)
    const appId = newApp()
    const tracker = makeTracker({ appId, persist: true, honorGlobalPrivacyControl: true })
    expect(tracker.optedOut).toBe(true)
    cards(tracker, 2)
    await tracker.flush()
    expect(collector.requests).toHaveLength(0)
    expect(await storedSegments(appId)).toBe(0)
    expect(storedKeys(appId)).toEqual([])
  })

  it('is ignored by default, and an explicit opt-in on the site wins over it', async () => {
    setGpc(true)
    const byDefault = makeTracker()
    expect(byDefault.consent).toBe('granted')
    const appId = newApp()
    const asked = makeTracker({ appId, honorGlobalPrivacyControl: true })
    asked.optIn()
    cards(asked, 1)
    await asked.flush()
    expect(cardIds()).toEqual(['card_0'])
    expect(initialConsent({ endpoint: 'x', appId, honorGlobalPrivacyControl: true })).toBe(
      'granted',
    )
  })

  it('deletes what an earlier visit stored when the page starts opted out by it', async () => {
    const appId = newApp()
    collector.respond(() => 'network-error')
    const before = makeTracker({ appId, persist: true })
    cards(before, 2)
    await before.flush()
    await before.shutdown()
    expect(await storedSegments(appId)).toBeGreaterThan(0)
    setGpc(true)
    makeTracker({ appId, persist: true, honorGlobalPrivacyControl: true })
    await settle()
    expect(await storedSegments(appId)).toBe(0)
    expect(storedKeys(appId)).toEqual([])
  })
})

describe('identify and anonymous_id', () => {
  it('sends user_identify once per link: not for the same user again, nor on a reload', async () => {
    const appId = newApp()
    const tracker = makeTracker({ appId })
    const anonymous = tracker.userId
    tracker.identify('user_42')
    await advance(1000) // past the debounce window: a repeat would be sent
    tracker.identify('user_42')
    const reloaded = makeTracker({ appId })
    reloaded.identify('user_42')
    await tracker.flush()
    await reloaded.flush()
    const links = collector.events.filter((e) => e.event_name === 'user_identify')
    expect(links).toHaveLength(1)
    expect(links[0]).toMatchObject({ user_id: 'user_42', anonymous_id: anonymous, properties: {} })

    // After a log-out, the same user on the new anonymous id is a new link.
    tracker.reset()
    tracker.identify('user_42')
    await tracker.flush()
    const after = collector.events.filter((e) => e.event_name === 'user_identify')
    expect(after).toHaveLength(2)
    expect(after[1]!.anonymous_id).not.toBe(anonymous)
    expect(after[1]!.anonymous_id).toBe(localStorage.getItem(`trackpoint:${appId}:anon`))
  })
})

describe('attribution', () => {
  const referrer = (value: string) =>
    Object.defineProperty(document, 'referrer', { configurable: true, value })
  afterEach(() => {
    referrer('')
    history.replaceState(null, '', '/')
  })

  it("puts the landing page's utm_* and referring domain on the session's page views only", async () => {
    referrer('https://news.example.com/story?id=1')
    history.replaceState(
      null,
      '',
      '/landing?utm_source=newsletter&utm_medium=email&utm_campaign=launch&utm_term=defi&utm_content=top&other=1',
    )
    const tracker = makeTracker({ appId: newApp() })
    tracker.track('page_view', { page_name: 'landing' })
    history.replaceState(null, '', '/rewards')
    await advance(1000)
    tracker.track('page_view', { page_name: 'rewards' })
    cards(tracker, 1)
    // 31 minutes idle: a new session, which starts on a page without campaign or referrer.
    await advance(31 * 60_000)
    referrer('')
    tracker.track('page_view', { page_name: 'rewards' })
    await tracker.flush()

    const campaign = {
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'launch',
      utm_term: 'defi',
      utm_content: 'top',
      referrer_domain: 'news.example.com',
    }
    const [landing, later, card, nextSession] = collector.events
    expect(landing!.properties).toEqual({ ...campaign, page_name: 'landing' })
    expect(later!.properties).toEqual({ ...campaign, page_name: 'rewards' })
    expect(later!.session_id).toBe(landing!.session_id)
    expect(card!.properties).toEqual({ card_id: 'card_0' })
    expect(nextSession!.session_id).not.toBe(landing!.session_id)
    expect(nextSession!.properties).toEqual({ page_name: 'rewards' })
  })

  it("leaves out a referrer on the site's own host, and lets the app's own values win", async () => {
    referrer(`${location.origin}/previous`)
    history.replaceState(null, '', '/?utm_source=ads')
    const tracker = makeTracker({ appId: newApp() })
    tracker.track('page_view', { page_name: 'home', utm_source: 'override' })
    await tracker.flush()
    expect(collector.events[0]!.properties).toEqual({ page_name: 'home', utm_source: 'override' })
  })

  it('keeps the attribution with the session in localStorage, for the next page of the visit', async () => {
    history.replaceState(null, '', '/?utm_campaign=spring')
    const appId = newApp()
    makeTracker({ appId }).track('page_view', { page_name: 'home' })
    history.replaceState(null, '', '/next')
    const nextPage = makeTracker({ appId })
    nextPage.track('page_view', { page_name: 'next' })
    await nextPage.flush()
    expect(collector.events.map((e) => e.properties)).toContainEqual({
      page_name: 'next',
      utm_campaign: 'spring',
    })
  })
})
