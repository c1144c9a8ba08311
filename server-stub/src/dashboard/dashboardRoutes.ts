import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { gzipSync } from 'node:zlib'
import { sendJson } from '../http/createHttpServer'
import { readDashboardFiles, type DashboardFile } from './readDashboardFiles'

/** Where the stats role serves the dashboard. */
export const DASHBOARD_PATH = '/dashboard/'

/** Options of {@link dashboardRoutes}. */
export interface DashboardRoutesOptions {
  /** The dashboard's build (`dashboard/dist`, made by `npm run build`). */
  dir: string
  /**
   * The app the dashboard tracks its own use as, sending to the collector of this same
   * server; written into the page, so only for an app whose secret may be public (the
   * development app). Absent: the dashboard tracks nothing.
   */
  trackAs?: { appId: string; secret: string }
}

const escapeAttribute = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;')

/** index.html with the tracking meta tags filled in (see dashboard/src/tracking.ts). */
function pageWithTracking(
  page: DashboardFile,
  trackAs: DashboardRoutesOptions['trackAs'],
): DashboardFile {
  if (!trackAs) return page
  const html = page.body
    .toString('utf8')
    .replace(
      '<meta name="trackpoint-endpoint" content="" />',
      '<meta name="trackpoint-endpoint" content="same-origin" />',
    )
    .replace(
      '<meta name="trackpoint-app" content="" />',
      `<meta name="trackpoint-app" content="${escapeAttribute(`${trackAs.appId}:${trackAs.secret}`)}" />`,
    )
  const body = Buffer.from(html)
  return { ...page, body, gzip: gzipSync(body, { level: 9 }) }
}

/**
 * Serves the dashboard's static build at `/dashboard/`: index.html for `/dashboard/` and `/dashboard` (the
 * views live in the URL's hash, so no other path is a page), the hashed assets under
 * `/dashboard/assets/` cached for a year, gzip when the client takes it. No token is needed
 * for the files: the page asks for one and sends it to the stats API, which checks it.
 * The files are read once at start (see readDashboardFiles); a server started before the
 * dashboard was built answers 404 saying how to build it.
 */
export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (app, options) => {
  const files = await readDashboardFiles(options.dir)
  const index = files?.get('index.html')
  const page = index && pageWithTracking(index, options.trackAs)

  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    file: DashboardFile,
    immutable: boolean,
  ) => {
    const gzip = file.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
    reply
      .code(200)
      .header('Content-Type', file.contentType)
      .header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('Vary', 'Accept-Encoding')
      .header('X-Content-Type-Options', 'nosniff')
    if (gzip) reply.header('Content-Encoding', 'gzip')
    return reply.send(gzip ? file.gzip : file.body)
  }
  const notBuilt = (reply: FastifyReply) =>
    sendJson(reply, 404, {
      code: 404,
      message: `The dashboard is not built (no ${options.dir}/index.html): run npm run build`,
    })

  // The router ignores trailing slashes, so this serves `/dashboard` as well.
  app.get(DASHBOARD_PATH, (request, reply) =>
    page ? send(request, reply, page, false) : notBuilt(reply),
  )
  app.get(`${DASHBOARD_PATH}*`, (request, reply) => {
    const rest = (request.params as { '*': string })['*']
    const file = rest === 'index.html' ? page : files?.get(rest)
    if (!files) return notBuilt(reply)
    if (!file) {
      return sendJson(reply, 404, {
        code: 404,
        message: `No such dashboard file /dashboard/${rest}`,
      })
    }
    return send(request, reply, file, rest.startsWith('assets/'))
  })
}
