import { readdir, readFile } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import { gzipSync } from 'node:zlib'

/** One file of the dashboard's build, held in memory with its gzip form. */
export interface DashboardFile {
  body: Buffer
  /** Present when gzip makes the file smaller (text), the body's gzip at level 9. */
  gzip?: Buffer
  contentType: string
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
}

/**
 * Reads every file under `dir` (the Vite build, under 1 MB) into a map keyed by its URL path
 * relative to the folder (`index.html`, `assets/index-x.js`). Serving from this map means a
 * request can only ever name a file that was in the build: no path from a URL reaches the
 * file system. Returns undefined when the folder is missing (not built).
 */
export async function readDashboardFiles(
  dir: string,
): Promise<Map<string, DashboardFile> | undefined> {
  let names: string[]
  try {
    names = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
  } catch {
    return undefined
  }
  const files = new Map<string, DashboardFile>()
  for (const name of names) {
    const body = await readFile(name)
    const contentType = CONTENT_TYPES[extname(name)] ?? 'application/octet-stream'
    const text = /^(text\/|application\/json|image\/svg)/.test(contentType)
    const gzip = text ? gzipSync(body, { level: 9 }) : undefined
    files.set(relative(dir, name).split(sep).join('/'), {
      body,
      contentType,
      ...(gzip && gzip.length < body.length && { gzip }),
    })
  }
  return files.has('index.html') ? files : undefined
}
