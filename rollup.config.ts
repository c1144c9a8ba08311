// Builds every package as ESM + CJS + .d.ts, and the CDN bundle `trackpoint.min.js`
// (an IIFE exposing the global `Trackpoint` with the exports of @trackpoint/core).
import type { RollupOptions, Plugin } from 'rollup'
import typescript from '@rollup/plugin-typescript'
import commonjs from '@rollup/plugin-commonjs'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'

/** Packages in build order: a package comes after the packages it imports. */
const packages = ['schema', 'core', 'react', 'vue'] as const

const manifest = (
  pkg: string,
): {
  version: string
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
} => JSON.parse(readFileSync(`packages/${pkg}/package.json`, 'utf8'))

/** Replaces `__SDK_VERSION__` with the package version, so the wire carries sdk_version. */
const sdkVersion = (version: string): Plugin => ({
  name: 'sdk-version',
  transform: (code) =>
    code.includes('__SDK_VERSION__')
      ? { code: code.replaceAll('__SDK_VERSION__', JSON.stringify(version)), map: null }
      : null,
})

const libraryBuild = (pkg: string): RollupOptions => {
  const { version, dependencies = {}, peerDependencies = {} } = manifest(pkg)
  // Dependencies and peers (react, vue) stay imports: the app's bundler provides one copy.
  const external = [...Object.keys(dependencies), ...Object.keys(peerDependencies)]
  return {
    input: `packages/${pkg}/src/index.ts`,
    external: (id) => external.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    plugins: [
      sdkVersion(version),
      typescript({
        tsconfig: `packages/${pkg}/tsconfig.build.json`,
        declarationDir: `packages/${pkg}/dist`,
      }),
    ],
    output: [
      {
        // One file per module, so that `sideEffects: false` lets an app's bundler leave out
        // whole modules it does not use (a single file would keep, for example, the whole
        // tracking plan behind `isForbiddenKey`: its object spreads count as side effects).
        dir: `packages/${pkg}/dist`,
        format: 'es',
        preserveModules: true,
        preserveModulesRoot: `packages/${pkg}/src`,
        entryFileNames: '[name].mjs',
        sourcemap: true,
      },
      {
        dir: `packages/${pkg}/dist`,
        format: 'cjs',
        entryFileNames: 'index.cjs',
        sourcemap: true,
        exports: 'named',
      },
    ],
  }
}

/**
 * Prints the Subresource Integrity hash of each written file, for
 * `<script src=… integrity="sha384-…" crossorigin="anonymous">` (docs/capture.md).
 */
const subresourceIntegrity = (): Plugin => ({
  name: 'subresource-integrity',
  writeBundle(options, bundle) {
    for (const fileName of Object.keys(bundle)) {
      if (!fileName.endsWith('.js')) continue
      const path = options.file ?? join(options.dir ?? '.', fileName)
      const hash = createHash('sha384').update(readFileSync(path)).digest('base64')
      console.log(`${fileName} integrity: sha384-${hash}`)
    }
  },
})

/** The CDN bundle: core, impressions, every auto-capture (web-vitals included), the snippet. */
const cdnBuild: RollupOptions = {
  input: 'packages/core/src/cdn.ts',
  plugins: [
    sdkVersion(manifest('core').version),
    nodeResolve({ browser: true }),
    commonjs(),
    typescript({
      tsconfig: 'packages/core/tsconfig.build.json',
      declaration: false,
      declarationDir: undefined,
      sourceMap: true,
      outDir: 'packages/core/dist',
    }),
  ],
  output: {
    file: 'packages/core/dist/trackpoint.min.js',
    format: 'iife',
    name: 'Trackpoint',
    sourcemap: true,
    plugins: [
      terser({ compress: { passes: 2 }, format: { comments: false } }),
      subresourceIntegrity(),
    ],
  },
}

/** The reference backend for Node 20: `dist/cli.mjs` (the `trackpoint-server` bin) and `dist/index.mjs`. */
const serverBuild: RollupOptions = (() => {
  const { dependencies = {} } = JSON.parse(readFileSync('server-stub/package.json', 'utf8')) as {
    dependencies?: Record<string, string>
  }
  const external = Object.keys(dependencies)
  return {
    input: { cli: 'server-stub/src/cli.ts', index: 'server-stub/src/index.ts' },
    external: (id) =>
      id.startsWith('node:') || external.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    plugins: [typescript({ tsconfig: 'server-stub/tsconfig.build.json' })],
    output: {
      dir: 'server-stub/dist',
      format: 'es',
      entryFileNames: '[name].mjs',
      banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
  }
})()

/** The `trackpoint-plan` bin of @trackpoint/schema (Node only, so apart from the library). */
const planCliBuild: RollupOptions = {
  input: 'packages/schema/src/cli/trackpointPlan.ts',
  external: (id) => id.startsWith('node:') || id === 'yaml',
  plugins: [typescript({ tsconfig: 'packages/schema/tsconfig.cli.json' })],
  output: { file: 'packages/schema/dist/cli.mjs', format: 'es', banner: '#!/usr/bin/env node' },
}

export default [...packages.map(libraryBuild), cdnBuild, serverBuild, planCliBuild]
