// The Subresource Integrity hash of the CDN bundle, in every snippet the docs print.
//
//   node scripts/integrity.mjs           exits 1 and lists the files whose snippet is stale
//   npm run integrity                    (--write) puts the current hash and version in them
//
// `npm run build` prints the same hash (rollup.config.ts). A browser refuses a script whose
// integrity does not match, so a copied snippet must carry the hash of the very file the URL
// names: scripts/__tests__/integrity.test.ts fails while any snippet is stale.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = new URL('..', import.meta.url)

/** Files that print the snippet (or the hash), relative to the repository root. */
export const SNIPPET_FILES = [
  'README.md',
  'packages/core/README.md',
  'docs/capture.md',
  'examples/script-tag/README.md',
  'examples/script-tag/index.html',
]

/** The bundle whose hash the snippets carry. */
export const BUNDLE = 'packages/core/dist/trackpoint.min.js'

/** `sha384-<base64>` of a file, as `integrity` wants it. */
export const integrityOf = (/** @type {string} */ path) =>
  `sha384-${createHash('sha384').update(readFileSync(path)).digest('base64')}`

// A hash (or the old `sha384-…` placeholder), and a versioned CDN URL of the bundle.
const HASH = /sha384-(?:…|[A-Za-z0-9+/]{64})/g
const VERSIONED_URL = /@trackpoint\/core@[0-9A-Za-z.+-]+\/dist\/trackpoint\.min\.js/g

/**
 * Each snippet file as it should read, with whether it differs from what is on disk.
 * @returns {{ file: string, current: string, expected: string }[]}
 */
export function snippetFiles() {
  const integrity = integrityOf(fileURLToPath(new URL(BUNDLE, root)))
  const { version } = JSON.parse(readFileSync(new URL('packages/core/package.json', root), 'utf8'))
  return SNIPPET_FILES.map((file) => {
    const current = readFileSync(new URL(file, root), 'utf8')
    const expected = current
      .replace(HASH, integrity)
      .replace(VERSIONED_URL, `@trackpoint/core@${version}/dist/trackpoint.min.js`)
    return { file, current, expected }
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stale = snippetFiles().filter(({ current, expected }) => current !== expected)
  if (process.argv.includes('--write')) {
    for (const { file, expected } of stale) writeFileSync(new URL(file, root), expected)
    console.log(stale.length ? `updated ${stale.map((s) => s.file).join(', ')}` : 'up to date')
  } else if (stale.length) {
    console.error(`stale integrity in ${stale.map((s) => s.file).join(', ')}: npm run integrity`)
    process.exit(1)
  } else {
    console.log('up to date')
  }
}
