// `npm pack` of each published package: what a user downloads from the registry.
import { join } from 'node:path'
import { runOk } from './run.mjs'

/** The published packages, by workspace folder. */
export const PACKAGES = ['schema', 'core', 'react', 'vue']

/**
 * Packs every package (after `npm run build`) into `destination`.
 * @param {string} root The repository root.
 * @param {string} destination
 * @returns {Promise<Record<string, string>>} package name → tarball path
 */
export async function packTarballs(root, destination) {
  const output = await runOk(
    'npm',
    [
      'pack',
      '--json',
      '--pack-destination',
      destination,
      ...PACKAGES.flatMap((pkg) => ['-w', `packages/${pkg}`]),
    ],
    { cwd: root, timeoutMs: 120_000 },
  )
  // npm prints lifecycle notes before the JSON; the JSON is the array at the end.
  const packed = /** @type {{ name: string, filename: string }[]} */ (
    JSON.parse(output.slice(output.indexOf('\n[') + 1))
  )
  return Object.fromEntries(packed.map((p) => [p.name, join(destination, p.filename)]))
}
