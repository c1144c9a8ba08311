// The engine-neutral driver layer of the three-engine suite (issue 15): what a spec may do to a
// browser, whichever engine runs it. Chromium is driven by Playwright, Firefox by
// puppeteer-core over WebDriver BiDi, WebKit by webdriverio over WebDriver classic; each
// implementation lives in its own module and is loaded only when its engine runs.

/** The three browser engines the suite runs in. */
export type EngineName = 'chromium' | 'firefox' | 'webkit'

/** An error the page reported, as the injected capture (pageErrors.ts) recorded it. */
export interface PageError {
  /** `error`, `unhandledrejection`, `console.error` or `worker`. */
  source: string
  message: string
}

/**
 * A function run in the page. It is sent as source text, so it must not close over anything
 * of the test: its only input is `arg`, which travels as JSON, and so does its result.
 */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>

/** One tab of an engine. */
export interface EnginePage {
  /** Loads `url` and waits for its `load` event. */
  goto(url: string): Promise<void>
  /** Reloads and waits for `load`. */
  reload(): Promise<void>
  /** Goes back one entry in the tab's history (a restore from the back/forward cache or a load). */
  back(): Promise<void>
  /** Runs `fn(arg)` in the page and returns its JSON result (a promise is awaited). */
  evaluate<R, A = undefined>(fn: PageFunction<A, R>, arg?: A): Promise<R>
  /** Resolves once `fn(arg)` is truthy in the page, polling; rejects after `timeoutMs`. */
  waitFor<A = undefined>(
    fn: PageFunction<A, unknown>,
    arg?: A,
    options?: { timeoutMs?: number; message?: string },
  ): Promise<void>
  /** Clicks the first element matching a CSS selector, as a user would (real input events). */
  click(selector: string): Promise<void>
  /** Closes the tab the way a user does, so `pagehide` (and `beforeunload`) run. */
  close(): Promise<void>
  /** Errors the page reported since it loaded (the capture is per document). */
  errors(): Promise<PageError[]>
}

/** One running engine: a browser with one profile (origins are kept apart by port). */
export interface EngineDriver {
  name: EngineName
  /** Browser name and version, e.g. `Firefox 153.8.0esr`, as the browser reports it. */
  version: string
  /** Opens a new tab (in the same profile, so same-origin tabs share storage). */
  newPage(): Promise<EnginePage>
  /**
   * The same URL of a 127.0.0.1 server, reached as http://trackpoint.test:port — a name the
   * engine resolves to 127.0.0.1 but does not count as a secure context (no Web Locks there).
   */
  insecure(url: string): string
  /** Ends the browser and every process the driver started (Xvfb included). */
  close(): Promise<void>
}

/** The host name each driver maps to 127.0.0.1 as a plain-http (insecure) origin. */
export const INSECURE_HOST = 'trackpoint.test'

/** `url` with its 127.0.0.1 host replaced by {@link INSECURE_HOST}. */
export const insecureUrl = (url: string): string =>
  url.replace('//127.0.0.1:', `//${INSECURE_HOST}:`)

/** Starts `name` with the driver that runs it here. */
export async function launchEngine(name: EngineName): Promise<EngineDriver> {
  switch (name) {
    case 'chromium':
      return (await import('./playwrightDriver')).launchChromium()
    case 'firefox':
      return (await import('./puppeteerDriver')).launchFirefox()
    case 'webkit':
      return (await import('./webdriverDriver')).launchWebKit()
  }
}

/** The source text that calls `fn` with `arg` in the page, as one expression. */
export const callSource = (fn: PageFunction<never, unknown>, arg: unknown): string =>
  `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`

/**
 * Polls `check` until it returns true; rejects with `message` after `timeoutMs`. The interval
 * is short: each check is a round trip to the browser, not a busy loop.
 */
export async function pollUntil(
  check: () => Promise<unknown>,
  { timeoutMs = 10_000, message = 'condition' }: { timeoutMs?: number; message?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${message}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
