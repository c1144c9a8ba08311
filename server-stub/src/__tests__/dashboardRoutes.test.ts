import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dashboardRoutes } from '../dashboard/dashboardRoutes'
import { createHttpServer } from '../http/createHttpServer'
import { silentLogger } from '../http/logger'
import { loadConfig } from '../config'
import { startServer } from '../startServer'

const PAGE = `<!doctype html><html><head>
<meta name="trackpoint-endpoint" content="" />
<meta name="trackpoint-app" content="" />
</head><body><script type="module" src="/dashboard/assets/app-1a2b.js"></script></body></html>`
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))})`

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trackpoint-dashboard-files-'))
  await mkdir(join(dir, 'assets'))
  await writeFile(join(dir, 'index.html'), PAGE)
  await writeFile(join(dir, 'assets', 'app-1a2b.js'), SCRIPT)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const serve = async (options: Parameters<typeof dashboardRoutes>[1]) => {
  const app = createHttpServer({ logger: silentLogger })
  await app.register(dashboardRoutes, options)
  return app
}

describe('dashboardRoutes', () => {
  it('serves index.html at /dashboard/ and /dashboard, not cached, without a token', async () => {
    const app = await serve({ dir })
    for (const url of ['/dashboard/', '/dashboard', '/dashboard/index.html']) {
      const response = await app.inject({ url })
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(response.headers['cache-control']).toBe('no-cache')
      expect(response.body).toBe(PAGE)
    }
  })

  it('serves hashed assets for a year, gzipped when the client takes gzip', async () => {
    const app = await serve({ dir })
    const plain = await app.inject({ url: '/dashboard/assets/app-1a2b.js' })
    expect(plain.statusCode).toBe(200)
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body).toBe(SCRIPT)
    const gzip = await app.inject({
      url: '/dashboard/assets/app-1a2b.js',
      headers: { 'accept-encoding': 'gzip, br' },
    })
    expect(gzip.headers['content-encoding']).toBe('gzip')
    expect(gzip.rawPayload.length).toBeLessThan(SCRIPT.length / 10)
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(SCRIPT)
  })

  it('answers 404 for a file not in the build, whatever the path tries', async () => {
    const app = await serve({ dir })
    for (const url of [
      '/dashboard/assets/nope.js',
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/%2e%2e/etc/passwd',
      '/dashboard/assets/../../index.html.bak',
    ]) {
      const response = await app.inject({ url })
      expect(response.statusCode, url).toBe(404)
    }
  })

  it('writes the tracking app into the page only when given one', async () => {
    const app = await serve({ dir, trackAs: { appId: 'dev_app', secret: 'dev_secret' } })
    const response = await app.inject({ url: '/dashboard/' })
    expect(response.body).toContain('<meta name="trackpoint-endpoint" content="same-origin" />')
    expect(response.body).toContain('<meta name="trackpoint-app" content="dev_app:dev_secret" />')
  })

  it('tracks its use as TRACKPOINT_DASHBOARD_APP when the process has a collector, else not', async () => {
    const apps = [
      { app_id: 'onchain_app', secrets: ['s1'], allowed_origins: ['*'] },
      { app_id: 'trackpoint_dashboard', secrets: ['dash_secret'], allowed_origins: ['*'] },
    ]
    const page = async (roles: ('collector' | 'consumer' | 'stats')[], extra = {}) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'trackpoint-dashboard-app-'))
      const running = await startServer({
        roles,
        config: loadConfig({
          TRACKPOINT_APPS: JSON.stringify(apps),
          TRACKPOINT_DATA_DIR: dataDir,
          PORT: '0',
          TRACKPOINT_ADMIN_TOKEN: 'admin',
          ...extra,
        }),
        logger: silentLogger,
        dashboard: { dir },
      })
      try {
        return await (await fetch(`${running.url}/dashboard/`)).text()
      } finally {
        await running.close()
        await rm(dataDir, { recursive: true, force: true })
      }
    }
    const configured = { TRACKPOINT_DASHBOARD_APP: 'trackpoint_dashboard' }
    expect(await page(['collector', 'consumer', 'stats'], configured)).toContain(
      '<meta name="trackpoint-app" content="trackpoint_dashboard:dash_secret" />',
    )
    // Real apps and no dashboard app: nothing is written (not the first app's secret).
    const untracked = await page(['collector', 'consumer', 'stats'])
    expect(untracked).toContain('<meta name="trackpoint-app" content="" />')
    expect(untracked).not.toContain('s1')
    // A stats-only process has no collector to send to.
    expect(await page(['stats'], configured)).toContain('<meta name="trackpoint-app" content="" />')
  }, 60_000)

  it('says how to build the dashboard when its files are missing', async () => {
    const app = await serve({ dir: join(dir, 'missing') })
    const response = await app.inject({ url: '/dashboard/' })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({
      code: 404,
      message: expect.stringContaining('npm run build'),
    })
  })
})
