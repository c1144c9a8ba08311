import { defineConfig } from 'vitest/config'
import { fileURLToPath } from 'node:url'

const src = (pkg: string) =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

/** React 18, installed beside the root's React 19 by the `test/react18` workspace. */
const react18 = (name: string) =>
  fileURLToPath(new URL(`./test/react18/node_modules/${name}`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: {
      '@trackpoint/schema': src('schema'),
      '@trackpoint/core': src('core'),
      '@trackpoint/react': src('react'),
      '@trackpoint/vue': src('vue'),
    },
  },
  test: {
    include: [
      'packages/*/src/**/__tests__/**/*.test.ts',
      'packages/*/src/**/__tests__/**/*.test.tsx',
      'server-stub/src/**/__tests__/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    environment: 'node',
    restoreMocks: true,
    projects: [
      { extends: true, test: { name: 'unit' } },
      {
        // @trackpoint/react's tests once more against React 18 (the root has React 19).
        // Testing Library is inlined so that its `react` / `react-dom` imports follow the alias.
        extends: true,
        resolve: { alias: { react: react18('react'), 'react-dom': react18('react-dom') } },
        test: {
          name: 'react18',
          include: ['packages/react/src/**/__tests__/**/*.test.tsx'],
          server: { deps: { inline: ['@testing-library/react'] } },
        },
      },
    ],
  },
})
