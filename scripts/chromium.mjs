// How every real-browser run here starts Chromium: Debian's build (never `npx playwright
// install`), headless, with the flags this shared machine needs. Used by playwright.config.ts,
// e2e/support/hideableBrowser.ts and bench/run.mjs.

/** Debian's Chromium, or CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Flags for every launch: no sandbox (root in CI), no GPU, no QUIC, no background traffic. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
