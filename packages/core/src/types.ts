import type { EventName, EventProperties } from '@trackpoint/schema'

/** The platform a tracker reports; the SDK in a browser is always `web`. */
export type Platform = 'web' | 'ios' | 'android'

/** One event as it travels on the wire (§三 common fields plus `properties`). */
export interface TrackedEvent {
  /**
   * A UUID (version 7: time-ordered), kept across retries, tabs and reloads; the server dedups
   * on it.
   */
  event_id: string
  /** A name of the tracking plan (§三/§八) or your own, lower_snake_case (§八). */
  event_name: string
  /** The identified user id, or the persisted anonymous id before `identify()`. */
  user_id: string
  /**
   * The device's anonymous id, on every event (equal to `user_id` before `identify()`): an
   * event where the two differ links them, so the server counts one person across login.
   */
  anonymous_id: string
  /** Milliseconds since the Unix epoch, taken when `track()` was called. */
  timestamp: number
  /** Always `web` from this SDK. */
  platform: Platform
  /** `location.pathname` when the event was tracked. */
  page: string
  /** The session: 30 minutes without events or 24 hours end it (§十一). */
  session_id: string
  /** The event's own fields (e.g. `delivery_id`), scrubbed of forbidden keys. */
  properties: Record<string, unknown>
}

/** The authentication fields of a request body (§五.5). */
export interface Signature {
  app_id: string
  /** Milliseconds since the Unix epoch. */
  timestamp: number
  /** `md5(app_id + timestamp + secret)` as 32 lower-case hex digits. */
  sign: string
}

/** The request body of `POST /api/v1/track` (§五). */
export interface TrackRequestBody extends Signature {
  /** The version of @trackpoint/core that sent the request. */
  sdk_version: string
  /** Your app's version (`appVersion` option), when given. */
  app_version?: string
  /**
   * The batch: at most `maxBatchEvents` events and `maxBatchBytes` bytes. Once the SDK found
   * the device clock off, each event also carries `clock_offset`: server clock minus device
   * clock in ms, added when the request is built; the collector takes `timestamp +
   * clock_offset` as the event's time.
   */
  events: (TrackedEvent & { clock_offset?: number })[]
}

/** Why the SDK reports an error through `onError`. */
export type TrackErrorKind =
  | 'rejected' // the collector answered 400/401: the batch is dropped
  | 'dropped' // the rate limit, or the queue bounds (oldest first), dropped events
  | 'expired' // events passed `maxEventAge` while retrying
  | 'storage' // IndexedDB failed; the tracker went on in memory
  | 'corrupt' // stored events that could not be read back were deleted
  | 'sign' // the `sign` callback threw, rejected, timed out or returned no string; retried
  | 'invalid' // track() was called with bad arguments
  | 'internal' // anything else that went wrong inside the SDK

/** An error the SDK reports instead of throwing into the host app. */
export interface TrackError {
  kind: TrackErrorKind
  message: string
  /** How many events the error concerns, where that is known. */
  count?: number
  /** The HTTP status, for `rejected`. */
  status?: number
  cause?: unknown
}

/**
 * The user's answer to tracking: `pending` (not asked yet: events wait in memory), `granted`
 * (stored and sent) or `denied` (opted out: nothing is queued, stored or sent).
 */
export type Consent = 'pending' | 'granted' | 'denied'

/** A plugin sees every event before it is queued: it may change it or return `null` to drop it. */
export type TrackPlugin = (event: TrackedEvent) => TrackedEvent | null

/** Options of {@link createTracker}. Only `endpoint` and `appId` are required. */
export interface TrackerOptions {
  /** The collector's base URL, e.g. `https://collect.example.com`; `/api/v1/track` is appended. */
  endpoint: string
  /** The application id registered with the collector (§五.5 `app_id`). */
  appId: string
  /**
   * The app secret used to sign requests: `md5(app_id + timestamp + secret)`.
   * Anything shipped to a browser is public: prefer `sign` for production apps.
   */
  secret?: string
  /**
   * Gets a signature from your own backend instead of shipping `secret`. Called once per
   * request with the request timestamp; may return a promise. Takes precedence over `secret`.
   */
  sign?: (appId: string, timestamp: number) => string | Promise<string>
  /** Your app's version, sent as `app_version`. */
  appVersion?: string
  /**
   * Queued events that trigger a send.
   * @default 10
   */
  batchSize?: number
  /**
   * Longest time in ms an event waits in the queue before a send.
   * @default 5000
   */
  flushInterval?: number
  /**
   * Largest request body in bytes, before compression (§八: 50 KB). A request holds at most
   * this many bytes of events; a larger single event is dropped and reported.
   * @default 51200
   */
  maxBatchBytes?: number
  /**
   * Most events in one request (the §五 batch API takes 100).
   * @default 100
   */
  maxBatchEvents?: number
  /**
   * Most events kept while the collector is unreachable; the oldest are dropped first.
   * @default 10000
   */
  maxQueueEvents?: number
  /**
   * Most bytes of events kept while the collector is unreachable; the oldest are dropped first.
   * @default 5242880 (5 MiB)
   */
  maxQueueBytes?: number
  /**
   * Events older than this (ms) are given up on while retrying.
   * @default 604800000 (7 days, the collector's Kafka retention)
   */
  maxEventAge?: number
  /**
   * Upper bound of one retry wait in ms, a `Retry-After` from the collector included.
   * @default 60000
   */
  maxRetryDelay?: number
  /**
   * A request without a complete answer after this many ms is aborted and retried with
   * back-off, so a collector that accepts the connection and never answers cannot hold
   * delivery.
   * @default 20000
   */
  requestTimeout?: number
  /**
   * Longest wait in ms for the `sign` callback; past it the send is reported (`kind: 'sign'`)
   * and retried with back-off.
   * @default 10000
   */
  signTimeout?: number
  /**
   * Fraction of users (0..1) whose events are sent, chosen deterministically per user id
   * so a user is either always in or always out (§八 灰度).
   * @default 1
   */
  sampleRate?: number
  /**
   * Sustained rate, in events of one name per second, past {@link rateLimitBurst} (§八: no
   * high-frequency events). Each name has a token bucket that holds `rateLimitBurst` tokens
   * and refills at this rate; an event with no token left is dropped, and each stretch of
   * drops is reported once through `onError` (`kind: 'dropped'`, with the count). The
   * defaults pass any burst a real page makes and stop a runaway loop (thousands a second).
   * `Infinity` turns the limit off.
   * @default 100
   */
  rateLimitPerSecond?: number
  /**
   * Events of one name that may pass at once before `rateLimitPerSecond` applies: the size
   * of each name's token bucket (a feed that shows 100 cards sends 100 impressions in one
   * millisecond). To cap a name strictly, e.g. 5 a second and never more at once, set both
   * to 5.
   * @default 1000
   */
  rateLimitBurst?: number
  /**
   * Identical events (same name, and properties equal by value at any depth) within this many
   * ms count once (§十一). Properties too large to compare (over 100 values) always count as
   * different. `0` turns debouncing off.
   * @default 300
   */
  debounceMs?: number
  /**
   * Property keys matching this, at any depth, are removed before events leave the page (§八),
   * inside class instances, `Map`s and what `toJSON` returns too: properties are copied into
   * plain JSON data first (a `Date` becomes its ISO string, binary data `'[Binary]'`, a DOM
   * node `'[Node NAME]'`; docs/core-api.md lists each kind).
   * camelCase keys are also tested with their words split (`userSsn` → `user_Ssn`).
   * @default FORBIDDEN_KEY_PATTERN of `@trackpoint/schema` (passwords, private keys, mnemonics,
   * seed and recovery phrases, secrets, API keys and tokens, card numbers, CVV, SSN…)
   */
  forbiddenKeys?: RegExp
  /** Plugins run in order on every event before it is queued. */
  plugins?: TrackPlugin[]
  /**
   * Sends to `/api/v1/track/debug` and logs each event's validation result.
   * @default false
   */
  debug?: boolean
  /** Called for every error the SDK handles instead of throwing. */
  onError?: (error: TrackError) => void
  /**
   * Session inactivity timeout in ms (§十一).
   * @default 1800000 (30 minutes)
   */
  sessionTimeout?: number
  /**
   * Longest session in ms.
   * @default 86400000 (24 hours)
   */
  sessionMaxAge?: number
  /**
   * Compress request bodies with gzip where the browser has `CompressionStream`.
   * @default true
   */
  compress?: boolean
  /**
   * Keep the queue in IndexedDB so events survive reloads and crashes. `false` keeps it in
   * memory only.
   * @default true
   */
  persist?: boolean
  /**
   * `'pending'`: track nothing to the device or the network until
   * `setConsent('granted')`. Events wait in memory (at most 1,000, the oldest dropped and
   * reported past that), nothing is written to IndexedDB or localStorage; `granted` stores
   * and sends them, `denied` drops them and opts out. The answer is kept per app on the
   * device, so later pages start with it. Without this option the tracker starts `granted`.
   */
  consent?: 'pending'
  /**
   * Treat Global Privacy Control (`navigator.globalPrivacyControl === true`) as an opt-out,
   * unless the user opted in on this site (an explicit `optIn()`/`setConsent('granted')`
   * wins). Off by default: GPC is a legal opt-out of sale and sharing, which first-party
   * analytics may not be, and browsers such as Brave send it for every user — turning it on
   * is the app owner's decision (docs/consent.md).
   * @default false
   */
  honorGlobalPrivacyControl?: boolean
}

/** Properties of event `N`: the tracking plan's fields for known names, any object otherwise. */
export type PropsOf<N extends string> = N extends EventName
  ? EventProperties[N]
  : Record<string, unknown>

/** A tracker created by {@link createTracker}. No method throws into the host app. */
export interface Tracker {
  /**
   * Records an event. Synchronous and cheap: the event is queued and sent later in a batch.
   * Names and properties of the tracking plan are type-checked.
   */
  track<N extends EventName>(name: N, properties: EventProperties[N]): void
  /** Attaches later events to `userId` (the anonymous id is kept for `reset`). */
  identify(userId: string): void
  /**
   * Forgets the user (call it on log-out): a new anonymous id and a new session, in every tab
   * of the app — no tab sends the old user id or session for events tracked after it.
   */
  reset(): void
  /**
   * Opts the user out, in every tab of the app and on later visits: nothing is queued,
   * stored or sent any more, and what is stored — the IndexedDB queue, the anonymous id, the
   * user id, the session — is deleted. A request already on its way is not recalled.
   */
  optOut(): void
  /** Opts the user in again (a decision kept like `optOut`'s), with a new anonymous id. */
  optIn(): void
  /**
   * The answer of a consent banner: `'granted'` stores and sends what waited in memory and
   * what follows, `'denied'` drops it and opts out ({@link Tracker.optOut}). Kept per app on
   * the device.
   */
  setConsent(consent: 'granted' | 'denied'): void
  /**
   * Calls `listener` on every change of {@link Tracker.consent}, from this tab or another;
   * returns the function that stops it.
   */
  onConsentChange(listener: (consent: Consent) => void): () => void
  /** True while opted out (`consent === 'denied'`). */
  readonly optedOut: boolean
  /** The current consent. */
  readonly consent: Consent
  /** Sends everything queued now; resolves when the attempt is over. */
  flush(): Promise<void>
  /** Flushes, then stops timers and listeners. Later calls to `track` are ignored. */
  shutdown(): Promise<void>
  /** The current user id (identified or anonymous). */
  readonly userId: string
  /** The current session id. Reading it does not count as activity: it never extends the session. */
  readonly sessionId: string
}
