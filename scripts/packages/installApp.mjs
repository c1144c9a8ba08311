// Sets up a consumer app outside the repository, as a new user would: its own folder, its own
// node_modules, @trackpoint/* from the packed tarballs (nothing resolves to the workspace).
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { runOk } from './run.mjs'

/** Build output and installs of a copy made in the repository are not part of the app. */
const SKIPPED = new Set(['node_modules', '.next', 'out', 'dist', 'next-env.d.ts'])

/**
 * Copies `source` into `parent`, points its @trackpoint/* dependencies at the tarballs, and
 * runs `npm install` (offline-first: the other dependencies are the repository's, so npm's
 * cache has them). The copy lives outside the repository so that Node's resolution cannot
 * climb into the repository's node_modules and find the workspace packages.
 * @param {string} source
 * @param {string} parent A temporary folder outside the repository.
 * @param {Record<string, string>} tarballs package name → tarball path
 * @returns {Promise<string>} the app's folder
 */
export async function installApp(source, parent, tarballs) {
  const dir = join(parent, basename(source))
  cpSync(source, dir, { recursive: true, filter: (path) => !SKIPPED.has(basename(path)) })
  const manifestPath = join(dir, 'package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(manifest[field] ?? {})) {
      if (!name.startsWith('@trackpoint/')) continue
      if (!tarballs[name]) throw new Error(`${source}: no tarball for ${name}`)
      manifest[field][name] = `file:${tarballs[name]}`
    }
  }
  // @trackpoint/core depends on @trackpoint/schema ^x: the app gets it from its tarball too,
  // never from the registry.
  manifest.overrides = Object.fromEntries(
    Object.entries(tarballs).map(([name, tarball]) => [name, `file:${tarball}`]),
  )
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  await runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    timeoutMs: 300_000,
  })
  return dir
}
