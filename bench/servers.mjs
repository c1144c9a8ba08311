// Two loopback servers for the browser benchmark: a static server for the subject pages and
// bundles, and a sink that answers every request 200 at once (CORS included) and counts the
// events it receives per run tag, so a subject that drops or duplicates events is visible.
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { gunzipSync } from 'node:zlib'

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
}

/** Starts an HTTP server on 127.0.0.1 with an ephemeral port; resolves to `{ server, origin }`. */
const listen = (handler) =>
  new Promise((resolve, reject) => {
    const server = createServer(handler)
    server.keepAliveTimeout = 5_000
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({ server, origin: `http://127.0.0.1:${port}` })
    })
  })

const close = (server) =>
  new Promise((resolve) => {
    server.closeAllConnections?.()
    server.close(() => resolve())
  })

/**
 * Serves files from `root`. Pages are cross-origin isolated (COOP + COEP) so that
 * `performance.now()` has its fine resolution (5 µs instead of 100 µs in Chromium:
 * https://developer.chrome.com/blog/cross-origin-isolated-hr-timers).
 */
export async function startStaticServer(root) {
  const { server, origin } = await listen(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname))
    if (path.includes('..')) {
      res.writeHead(400).end()
      return
    }
    try {
      const body = await readFile(join(root, path))
      res.writeHead(200, {
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cross-origin-resource-policy': 'same-origin',
      })
      res.end(body)
    } catch {
      res.writeHead(404).end('not found')
    }
  })
  return { origin, close: () => close(server) }
}

/** Decodes a request body of any subject into a JSON value, or `undefined`. */
function decodeBody(buffer, url) {
  let bytes = buffer
  // gzip by magic number: Trackpoint (CompressionStream) and PostHog (fflate) both send gzip,
  // PostHog without a Content-Encoding header.
  if (bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes)
  let text = bytes.toString('utf8')
  if (text.startsWith('data=')) {
    const data = new URLSearchParams(text).get('data') ?? ''
    text = url.searchParams.get('compression') === 'base64' ? atob(data) : data
  }
  if (!text) return undefined
  return JSON.parse(text)
}

/** The benchmark's events (`card_click`) in a decoded body, in every subject's wire format. */
function eventsIn(json) {
  if (json == null || typeof json !== 'object') return []
  const list = Array.isArray(json) ? json : (json.events ?? json.batch ?? [json])
  return Array.isArray(list) ? list.filter((e) => (e?.event_name ?? e?.event) === 'card_click') : []
}

/**
 * Starts the sink. The first path segment of a request is the run tag
 * (`/r1-trackpoint/api/v1/track`); `stats(tag)` returns what arrived under it.
 */
export async function startSink() {
  const runs = new Map()
  const statsOf = (tag) => {
    let s = runs.get(tag)
    if (!s) {
      s = { requests: 0, bytes: 0, events: 0, ids: new Set(), errors: 0, lastEventAt: 0, paths: {} }
      runs.set(tag, s)
    }
    return s
  }
  const { server, origin } = await listen((req, res) => {
    const origin = req.headers.origin
    const headers = {
      'access-control-allow-origin': origin ?? '*',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
      'access-control-max-age': '600',
      'cross-origin-resource-policy': 'cross-origin',
      'content-type': 'application/json',
      vary: 'Origin',
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, headers).end()
      return
    }
    const url = new URL(req.url, 'http://x')
    const tag = url.pathname.split('/')[1] ?? ''
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      res.writeHead(200, headers).end('{"status":1}')
      const s = statsOf(tag)
      const buffer = Buffer.concat(chunks)
      const route = url.pathname.slice(tag.length + 1)
      s.paths[route] = (s.paths[route] ?? 0) + 1
      s.requests++
      s.bytes += buffer.length
      if (req.method !== 'POST' || buffer.length === 0) return
      try {
        const events = eventsIn(decodeBody(buffer, url))
        for (const e of events) {
          s.events++
          s.ids.add(e.properties?.card_id)
        }
        if (events.length) s.lastEventAt = performance.now()
      } catch {
        s.errors++
      }
    })
    req.on('error', () => res.destroy())
  })
  return {
    origin,
    /** What arrived under `tag` so far. */
    stats: (tag) => {
      const s = statsOf(tag)
      return {
        requests: s.requests,
        bytes: s.bytes,
        events: s.events,
        unique: s.ids.size,
        errors: s.errors,
        lastEventAt: s.lastEventAt,
        paths: { ...s.paths },
      }
    },
    close: () => close(server),
  }
}
