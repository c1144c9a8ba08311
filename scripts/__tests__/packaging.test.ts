// @vitest-environment node
// The built packages as users get them: run after `npm run build` (npm test does).
import { createRequire } from 'node:module'
import { readdirSync, readFileSync } from 'node:fs'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)
const manifest = (pkg: string) =>
  JSON.parse(readFileSync(new URL(`../../packages/${pkg}/package.json`, import.meta.url), 'utf8'))

describe.each(['core', 'schema'])('@trackpoint/%s as published', (pkg) => {
  it('declares types first in exports, a files whitelist and no side effects', () => {
    const json = manifest(pkg)
    expect(Object.keys(json.exports['.'])[0]).toBe('types')
    expect(json.files).toContain('dist')
    expect(json.sideEffects).toBe(false)
  })

  it('loads from its CommonJS and ESM builds with the same exports', async () => {
    // By path: vitest aliases the package names to their sources.
    const cjs = require(`../../packages/${pkg}/dist/index.cjs`)
    const esm = await import(`../../packages/${pkg}/dist/index.mjs`)
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort())
    expect(Object.keys(esm).length).toBeGreaterThan(3)
  })
})

describe.each([
  ['react', ['Impression', 'TrackProvider', 'useImpression', 'usePageView', 'useTrack']],
  ['vue', ['createTrackpoint', 'trackpointKey', 'useTrack']],
])('@trackpoint/%s as published', (pkg, exports) => {
  it('declares types first in exports, a files whitelist, no side effects and its framework as a peer', () => {
    const json = manifest(pkg)
    expect(Object.keys(json.exports['.'])[0]).toBe('types')
    expect(json.files).toContain('dist')
    expect(json.sideEffects).toBe(false)
    expect(Object.keys(json.peerDependencies)).toEqual([pkg])
    expect(json.dependencies['@trackpoint/core']).toBe(manifest('core').version)
  })

  it('exports the same API from its CommonJS and ESM builds, importing the framework and core', async () => {
    const cjs = require(`../../packages/${pkg}/dist/index.cjs`)
    const esm = await import(`../../packages/${pkg}/dist/index.mjs`)
    expect(Object.keys(cjs).sort()).toEqual(exports)
    expect(Object.keys(esm).sort()).toEqual(exports)
    // Not bundled: the app's own copy of the framework and of the tracker is used. The ESM
    // build keeps one file per module (rollup.config.ts), so read them all.
    const dist = new URL(`../../packages/${pkg}/dist/`, import.meta.url)
    const code = readdirSync(dist)
      .filter((file) => file.endsWith('.mjs'))
      .map((file) => readFileSync(new URL(file, dist), 'utf8'))
      .join('\n')
    expect(code).toMatch(new RegExp(`from '${pkg}'`))
    expect(code).toMatch(/from '@trackpoint\/core'/)
  })
})

describe('trackpoint.min.js (CDN)', () => {
  it('defines the global Trackpoint with the exports of @trackpoint/core', async () => {
    const code = readFileSync(
      new URL('../../packages/core/dist/trackpoint.min.js', import.meta.url),
      'utf8',
    )
    const sandbox: Record<string, unknown> = {}
    runInNewContext(`${code};this.Trackpoint = Trackpoint`, sandbox)
    const esm = await import(String('../../packages/core/dist/index.mjs'))
    expect(Object.keys(sandbox.Trackpoint as object).sort()).toEqual(Object.keys(esm).sort())
  })
})
