// @vitest-environment node
// The built packages as users get them: run after `npm run build` (npm test does).
import { createRequire } from 'node:module'
import { readdirSync, readFileSync } from 'node:fs'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)
const manifest = (pkg: string) =>
  JSON.parse(readFileSync(new URL(`../../packages/${pkg}/package.json`, import.meta.url), 'utf8'))

/** `import` and `require` each name their own declaration file, listed before the code. */
const expectTypesFirst = (json: {
  exports: Record<string, Record<string, Record<string, string>>>
}) => {
  const entry = json.exports['.']!
  expect(Object.keys(entry)).toEqual(['import', 'require'])
  expect(entry.import).toEqual({ types: './dist/index.d.mts', default: './dist/index.mjs' })
  expect(entry.require).toEqual({ types: './dist/index.d.cts', default: './dist/index.cjs' })
}

describe.each(['core', 'schema'])('@trackpoint/%s as published', (pkg) => {
  it('declares types first in each exports condition, a files whitelist and no side effects', () => {
    const json = manifest(pkg)
    expectTypesFirst(json)
    expect(json.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']))
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
  [
    'react',
    ['Impression', 'TrackProvider', 'useConsent', 'useImpression', 'usePageView', 'useTrack'],
  ],
  ['vue', ['createTrackpoint', 'trackpointKey', 'useConsent', 'useTrack']],
])('@trackpoint/%s as published', (pkg, exports) => {
  it('declares types first in each exports condition, a files whitelist, no side effects and its framework as a peer', () => {
    const json = manifest(pkg)
    expectTypesFirst(json)
    expect(json.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']))
    expect(json.sideEffects).toBe(false)
    expect(Object.keys(json.peerDependencies)).toEqual([pkg])
    // A range, so that an app's newer core (a fix) is shared instead of installed twice.
    expect(json.dependencies['@trackpoint/core']).toBe(`^${manifest('core').version}`)
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

describe('@trackpoint/react in React Server Components', () => {
  it("keeps 'use client' at the top of every built file", () => {
    const dist = new URL('../../packages/react/dist/', import.meta.url)
    const code = readdirSync(dist).filter((file) => /\.(mjs|cjs)$/.test(file))
    expect(code).toContain('index.mjs')
    expect(code).toContain('index.cjs')
    for (const file of code) {
      expect(readFileSync(new URL(file, dist), 'utf8'), file).toMatch(/^'use client';\n/)
    }
  })
})

describe.each(['schema', 'core', 'react', 'vue'])('@trackpoint/%s source maps', (pkg) => {
  it('carry the source of every file they map (the package ships no src/)', () => {
    const dist = new URL(`../../packages/${pkg}/dist/`, import.meta.url)
    const maps = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.map'),
    )
    expect(maps).toContain('index.cjs.map')
    let mapped = 0
    for (const file of maps) {
      const map = JSON.parse(readFileSync(new URL(file, dist), 'utf8')) as {
        sources: string[]
        sourcesContent?: (string | null)[]
      }
      // A file of re-exports alone (index.mjs) maps nothing: `sources` is empty.
      mapped += map.sources.length
      expect(map.sourcesContent?.length, file).toBe(map.sources.length)
      map.sourcesContent!.forEach((content, i) =>
        expect(content?.length, `${file}: ${map.sources[i]}`).toBeGreaterThan(0),
      )
    }
    expect(mapped).toBeGreaterThan(maps.length)
  })
})

describe.each(['schema', 'core', 'react', 'vue'])('@trackpoint/%s README', (pkg) => {
  it('links only to absolute URLs (a relative link breaks on the registry page)', () => {
    const readme = readFileSync(new URL(`../../packages/${pkg}/README.md`, import.meta.url), 'utf8')
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1])
    expect(targets.length).toBeGreaterThan(0)
    expect(targets.filter((target) => !/^(https:\/\/|#)/.test(target!))).toEqual([])
  })

  it('ships with its LICENSE, repository and engines', () => {
    const json = manifest(pkg)
    expect(readFileSync(new URL(`../../packages/${pkg}/LICENSE`, import.meta.url), 'utf8')).toMatch(
      /^MIT License/,
    )
    expect(json.license).toBe('MIT')
    expect(json.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/trackpoint/trackpoint.git',
      directory: `packages/${pkg}`,
    })
    expect(json.engines.node).toBe('>=20')
  })
})
