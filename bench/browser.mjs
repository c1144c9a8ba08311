// Two ways to drive Debian's Chromium, with one interface (`openPage` → CDP sessions, evaluate,
// close; `browserSession` → the browser target's CDP session, for tracing):
//
// - `cdp` (default): a minimal Chrome DevTools Protocol client over `--remote-debugging-pipe`.
//   The page runs with no DevTools domain enabled but the ones the harness asks for.
// - `playwright`: playwright-core's `chromium.launch`. Playwright enables the CDP Network domain
//   on every page, so Chromium reports each request (and its body) to the client inside
//   `fetch()`; measured here, that made a fetch() of a 26 KB body cost 0.7–1.7 ms on the main
//   thread instead of 0.2–0.5 ms. That would be charged to every tracker per request.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { sleep } from './stats.mjs'

/** Rejects with `message` after `ms` unless `promise` settles first; always clears its timer. */
const withTimeout = (promise, ms, message) => {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Polls `ready` (an expression) in the page until it is true. */
async function waitReady(evaluate, url, ready, limit) {
  const start = performance.now()
  while (!(await evaluate(ready).catch(() => false))) {
    if (performance.now() - start > limit) throw new Error(`${url} was not ready in ${limit} ms`)
    await sleep(20)
  }
}

/** Launches Chromium driven over a CDP pipe. */
async function launchCdp({ executablePath, args, userAgent, timeoutMs }) {
  const profile = await mkdtemp(join(tmpdir(), 'trackpoint-bench-chromium-'))
  // fd 3: commands to Chromium, fd 4: responses and events; each message ends with a NUL byte.
  const proc = spawn(
    executablePath,
    [
      ...args,
      ...(userAgent ? [`--user-agent=${userAgent}`] : []),
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  )
  let stderr = ''
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
  const [, , , toBrowser, fromBrowser] = proc.stdio
  const pending = new Map()
  /** Event listeners by method (browser-level events, e.g. `Tracing.tracingComplete`). */
  const listeners = new Map()
  let nextId = 1
  let buffered = ''
  let exited = false
  const exit = new Promise((resolve) => proc.once('exit', resolve))

  const failAll = (error) => {
    for (const { reject } of pending.values()) reject(error)
    pending.clear()
  }
  proc.once('exit', (code, signal) => {
    exited = true
    failAll(new Error(`Chromium exited (${signal ?? code}). Its stderr:\n${stderr}`))
  })
  proc.once('error', (error) => failAll(error))
  fromBrowser.setEncoding('utf8')
  fromBrowser.on('data', (chunk) => {
    buffered += chunk
    let end
    while ((end = buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffered.slice(0, end))
      buffered = buffered.slice(end + 1)
      const call = message.id !== undefined && pending.get(message.id)
      if (!call) {
        // Events: most of the harness polls instead; the few it listens to are here.
        if (message.method) listeners.get(message.method)?.forEach((fn) => fn(message.params))
        continue
      }
      pending.delete(message.id)
      if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`))
      else call.resolve(message.result)
    }
  })

  const send = (method, params = {}, sessionId) => {
    if (exited) return Promise.reject(new Error(`Chromium is not running (${method})`))
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, method })
      toBrowser.write(JSON.stringify({ id, method, params, sessionId }) + '\0')
    })
  }
  const close = async () => {
    if (!exited) {
      send('Browser.close').catch(() => {})
      await withTimeout(exit, 5000, () => 'Chromium did not close').catch(() => {})
      if (!exited) proc.kill('SIGKILL')
    }
    await rm(profile, { recursive: true, force: true }).catch(() => {})
  }

  let version
  try {
    version = await withTimeout(
      send('Browser.getVersion'),
      timeoutMs,
      () => `Chromium did not answer within ${timeoutMs} ms. Its stderr:\n${stderr}`,
    )
  } catch (error) {
    await close()
    throw error
  }

  return {
    version: version.product.replace(/^.*?\//, ''),
    /** The browser target's CDP session: `send(method, params)`, `on(event, fn)` → off. */
    browserSession: async () => ({
      send: (method, params) => send(method, params),
      on(method, fn) {
        if (!listeners.has(method)) listeners.set(method, new Set())
        listeners.get(method).add(fn)
        return () => listeners.get(method).delete(fn)
      },
    }),
    async openPage(url, { sessions = 1, ready = 'true', timeoutMs: limit = 30_000 } = {}) {
      const { browserContextId } = await send('Target.createBrowserContext', {
        disposeOnDetach: true,
      })
      const { targetId } = await send('Target.createTarget', {
        url: 'about:blank',
        browserContextId,
      })
      const attached = []
      for (let i = 0; i < sessions; i++) {
        const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true })
        attached.push({ send: (method, params) => send(method, params, sessionId) })
      }
      const evaluate = async (expression) => {
        const { result, exceptionDetails } = await attached[0].send('Runtime.evaluate', {
          expression,
          awaitPromise: true,
          returnByValue: true,
        })
        if (exceptionDetails) {
          throw new Error(
            `in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`,
          )
        }
        return result.value
      }
      await attached[0].send('Page.navigate', { url })
      await waitReady(evaluate, url, ready, limit)
      return {
        sessions: attached,
        evaluate,
        // Without the Network domain, requests cannot be listed; `--host-resolver-rules` keeps
        // them on 127.0.0.1 anyway.
        externalRequests: () => [],
        close: () => send('Target.disposeBrowserContext', { browserContextId }),
      }
    },
    close,
  }
}

/** Launches Chromium through Playwright. */
async function launchPlaywright({ executablePath, args, userAgent, timeoutMs }) {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args,
    timeout: timeoutMs,
  })
  return {
    version: browser.version(),
    async browserSession() {
      const session = await browser.newBrowserCDPSession()
      return {
        send: (method, params) => session.send(method, params),
        on(method, fn) {
          session.on(method, fn)
          return () => session.off(method, fn)
        },
      }
    },
    async openPage(url, { sessions = 1, ready = 'true', timeoutMs: limit = 30_000 } = {}) {
      const context = await browser.newContext({ userAgent })
      const page = await context.newPage()
      const external = []
      page.on('request', (r) => {
        if (new URL(r.url()).hostname !== '127.0.0.1') external.push(r.url())
      })
      await page.goto(url, { timeout: limit })
      const attached = []
      for (let i = 0; i < sessions; i++) attached.push(await context.newCDPSession(page))
      const evaluate = (expression) => page.evaluate(expression)
      await waitReady(evaluate, url, ready, limit)
      return {
        sessions: attached,
        evaluate,
        externalRequests: () => external,
        close: () => context.close(),
      }
    },
    close: () => browser.close(),
  }
}

/**
 * Launches Chromium with `driver` `cdp` or `playwright`. `userAgent` replaces the browser's own
 * in every page.
 */
export function launchBrowser({ driver = 'cdp', timeoutMs = 60_000, ...options }) {
  if (driver === 'cdp') return launchCdp({ timeoutMs, ...options })
  if (driver === 'playwright') return launchPlaywright({ timeoutMs, ...options })
  throw new Error(`unknown driver ${driver}: use cdp or playwright`)
}
