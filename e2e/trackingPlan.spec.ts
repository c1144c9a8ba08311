// Issue 16 in Chromium, with the real SDK (the CDN bundle) against the embedded server: an app
// adds `wallet_connect` to its plan file and tracks it. With the server on the old plan the
// events are stored and flagged, not lost; once the new plan is installed (PUT) they are
// planned; under TRACKPOINT_UNPLANNED=reject the collector answers 400 and the SDK reports the
// reason through onError.
import { createServer, type Server } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { loadConfig } from '../server-stub/src/config'
import { silentLogger } from '../server-stub/src/http/logger'
import { startServer, type RunningServer } from '../server-stub/src/startServer'
import { bundlePath, ensureBundle, repoRoot } from './support/site'

// onError keeps the collector's answer (`cause`), which carries the per-event reasons.
const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>plan</title></head><body>
<script src="/trackpoint.min.js"></script>
<script>
  window.trackErrors = []
  const endpoint = new URLSearchParams(location.search).get('endpoint')
  window.tracker = Trackpoint.createTracker({
    endpoint, appId: 'dev_app', secret: 'dev_secret',
    onError: (error) => window.trackErrors.push(JSON.parse(JSON.stringify(error))),
  })
</script></body></html>`

let site: Server
let siteUrl: string
let dataDir: string
let backend: RunningServer | undefined

test.beforeAll(async () => {
  ensureBundle()
  dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-plan-e2e-'))
  const bundle = await readFile(bundlePath)
  site = createServer((req, res) => {
    if (req.url === '/trackpoint.min.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle)
    } else if (req.url?.startsWith('/page')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page)
    } else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  const address = site.address()
  siteUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})

test.afterEach(async () => {
  await backend?.close()
  backend = undefined
})

test.afterAll(async () => {
  await new Promise((resolve) => site.close(resolve))
  await rm(dataDir, { recursive: true, force: true })
})

const start = async (env: Record<string, string>) => {
  backend = await startServer({
    config: loadConfig({
      TRACKPOINT_DATA_DIR: join(dataDir, env.NAME ?? 'data'),
      PORT: '0',
      ...env,
    }),
    logger: silentLogger,
  })
  return backend
}

/** Tracks `wallet_connect` from the page and sends it now. */
const trackWallet = (browserPage: Page, wallet: string) =>
  browserPage.evaluate(async (walletType) => {
    const tracker = (
      window as unknown as {
        tracker: { track(n: string, p: object): void; flush(): Promise<void> }
      }
    ).tracker
    tracker.track('wallet_connect', { wallet_type: walletType, chain_id: 1 })
    await tracker.flush()
  }, wallet)

const storedWallets = async (server: RunningServer) =>
  (
    await server.store!.query<{ wallet: string; plan_version: number; unplanned: string[] }>(
      `SELECT JSONExtractString(properties, 'wallet_type') AS wallet, plan_version, unplanned
       FROM events FINAL WHERE event_name = 'wallet_connect' ORDER BY wallet`,
    )
  ).map((row) => ({ ...row, plan_version: Number(row.plan_version) }))

test('a new event is stored and flagged on the old plan, and planned once the new plan is installed', async ({
  page: browserPage,
}) => {
  const server = await start({ NAME: 'flag' })
  await browserPage.goto(`${siteUrl}/page?endpoint=${encodeURIComponent(server.url!)}`)
  await trackWallet(browserPage, 'metamask')
  await expect
    .poll(() => storedWallets(server), { timeout: 15_000 })
    .toEqual([{ wallet: 'metamask', plan_version: 0, unplanned: ['unknown_event:event_name'] }])

  const plan = JSON.parse(
    await readFile(join(repoRoot, 'examples/shared/tracking-plan.json'), 'utf8'),
  ) as unknown
  const put = await fetch(`${server.url}/api/admin/plan`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${server.adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ plan, author: 'e2e' }),
  })
  expect(put.status).toBe(200)

  await trackWallet(browserPage, 'okx_wallet')
  await expect
    .poll(() => storedWallets(server), { timeout: 15_000 })
    .toEqual([
      { wallet: 'metamask', plan_version: 0, unplanned: ['unknown_event:event_name'] },
      { wallet: 'okx_wallet', plan_version: 2, unplanned: [] },
    ])
  expect(await browserPage.evaluate('window.trackErrors')).toEqual([])
})

test('under TRACKPOINT_UNPLANNED=reject the SDK reports the 400 and its reason', async ({
  page: browserPage,
}) => {
  const server = await start({ NAME: 'reject', TRACKPOINT_UNPLANNED: 'reject' })
  await browserPage.goto(`${siteUrl}/page?endpoint=${encodeURIComponent(server.url!)}`)
  await trackWallet(browserPage, 'metamask')
  await expect
    .poll(() => browserPage.evaluate('window.trackErrors.length'), { timeout: 15_000 })
    .toBe(1)
  const [error] = (await browserPage.evaluate('window.trackErrors')) as {
    kind: string
    status: number
    cause: { rejected: { errors: { code: string; message: string }[] }[] }
  }[]
  expect(error).toMatchObject({ kind: 'rejected', status: 400 })
  expect(error!.cause.rejected[0]!.errors[0]).toMatchObject({ code: 'unknown_event' })
  expect(error!.cause.rejected[0]!.errors[0]!.message).toMatch(
    /wallet_connect.*not in the tracking plan/,
  )
  expect(await storedWallets(server)).toEqual([])
})
