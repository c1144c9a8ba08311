// WebKit (Debian's WebKitGTK: WebKitWebDriver + MiniBrowser) through webdriverio over WebDriver
// classic — WebKitWebDriver refuses a BiDi session, hence 'wdio:enforceWebDriverClassic'.
// MiniBrowser has no headless mode: it runs on a virtual display (xvfb.ts) that this driver
// starts and stops. Classic WebDriver addresses one window at a time, so every call first
// switches to its tab's window, and calls are serialised.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { remote } from 'webdriverio'
import {
  callSource,
  INSECURE_HOST,
  insecureUrl,
  pollUntil,
  type EngineDriver,
  type EnginePage,
} from './driver'
import { readPageErrors } from '../support/pageErrors'
import { startHostProxy } from './hostProxy'
import { startXvfb, stopChild } from './xvfb'

/** Debian's MiniBrowser (libwebkit2gtk-4.1-0), or MINIBROWSER_PATH. */
export const MINIBROWSER_PATH =
  process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'

/** A port free on 127.0.0.1 now (WebKitWebDriver takes a port number, not 0). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })

/** Launches MiniBrowser on a fresh virtual display through a WebKitWebDriver of its own. */
export async function launchWebKit(): Promise<EngineDriver> {
  const xvfb = await startXvfb()
  const proxy = await startHostProxy(INSECURE_HOST)
  const port = await freePort()
  const driver = spawn('WebKitWebDriver', [`--port=${port}`, '--host=local'], {
    env: { ...process.env, DISPLAY: xvfb.display },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let driverLog = ''
  driver.stderr!.on('data', (chunk: Buffer) => (driverLog = (driverLog + chunk).slice(-4000)))
  const stopAll = async () => {
    await stopChild(driver)
    await xvfb.stop()
    await proxy.close()
  }
  try {
    await pollUntil(
      () =>
        fetch(`http://127.0.0.1:${port}/status`).then(
          (response) => response.ok,
          () => false,
        ),
      { timeoutMs: 15_000, message: `WebKitWebDriver answering on ${port}` },
    )
    const browser = await remote({
      hostname: '127.0.0.1',
      port,
      logLevel: 'error',
      connectionRetryCount: 0,
      capabilities: {
        browserName: 'MiniBrowser',
        'wdio:enforceWebDriverClassic': true,
        'webkitgtk:browserOptions': {
          binary: MINIBROWSER_PATH,
          // Only trackpoint.test goes through the proxy (see insecure()).
          args: [
            '--automation',
            `--proxy=${proxy.url}`,
            '--ignore-host=127.0.0.1',
            '--ignore-host=localhost',
          ],
        },
      } as WebdriverIO.Capabilities,
    })
    const caps = browser.capabilities as { browserName?: string; browserVersion?: string }
    // The first window stays open on about:blank: closing a session's last window ends it. Tabs
    // are windows of their own: a background tab of MiniBrowser is hidden (no rendering, no
    // IntersectionObserver), while windows on the virtual display are all visible.
    const home = await browser.getWindowHandle()
    let current = home
    // One command sequence at a time: a tab's call must not run while another tab is switched to.
    let queue: Promise<unknown> = Promise.resolve()
    const serial = <T>(work: () => Promise<T>): Promise<T> => {
      const run = queue.then(work, work)
      queue = run.catch(() => undefined)
      return run
    }
    const inWindow = <T>(handle: string, work: () => Promise<T>): Promise<T> =>
      serial(async () => {
        if (current !== handle) {
          await browser.switchToWindow(handle)
          current = handle
        }
        return work()
      })

    const newPage = async (): Promise<EnginePage> => {
      const handle = await serial(async () => {
        const created = await browser.createWindow('window')
        await browser.switchToWindow(created.handle)
        current = created.handle
        await browser.setWindowSize(1280, 720)
        return created.handle
      })
      const evaluate: EnginePage['evaluate'] = (fn, arg) =>
        inWindow(handle, () => browser.execute(`return ${callSource(fn as never, arg)}`)) as never
      return {
        goto: (url) => inWindow(handle, () => browser.url(url)).then(() => undefined),
        reload: () => inWindow(handle, () => browser.refresh()),
        back: () => inWindow(handle, () => browser.back()),
        evaluate,
        waitFor: (fn, arg, options) => pollUntil(() => evaluate(fn, arg), options),
        click: (selector) => inWindow(handle, async () => (await browser.$(selector)).click()),
        close: () =>
          serial(async () => {
            if (current !== handle) await browser.switchToWindow(handle)
            await browser.closeWindow()
            await browser.switchToWindow(home)
            current = home
          }),
        errors: () => evaluate(readPageErrors),
      }
    }

    return {
      name: 'webkit',
      version: `${caps.browserName ?? 'MiniBrowser'} (WebKitGTK) ${caps.browserVersion ?? '?'}`,
      newPage,
      insecure: insecureUrl,
      close: async () => {
        await browser.deleteSession().catch(() => undefined)
        await stopAll()
      },
    }
  } catch (error) {
    await stopAll()
    throw new Error(`WebKit did not start: ${String(error)}\n${driverLog}`)
  }
}
