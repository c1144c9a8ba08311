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
    environment: 'node',
    restoreMocks: true,
    // A guard against a hang, not a speed target (those are in `npm run bench`): many tests run
    // on the real database engine (chdb) and take 2-4 s on an idle machine, more under CI's load
    // (a 3.8 s scenario went past the default 5 s there).
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/__tests__/**/*.test.ts',
            'packages/*/src/**/__tests__/**/*.test.tsx',
            'server-stub/src/**/__tests__/**/*.test.ts',
            'scripts/**/*.test.ts',
            'e2e/pipeline/support/__tests__/*.test.ts',
            'dashboard/src/**/__tests__/*.test.ts',
          ],
        },
      },
      {
        // @trackpoint/react's tests once more against React 18 (the root has React 19).
        // Testing Library's ESM build is inlined so that its `react` / `react-dom` imports follow
        // the alias too (its CommonJS build would require the root's React 19).
        extends: true,
        resolve: {
          alias: {
            react: react18('react'),
            'react-dom': react18('react-dom'),
            '@testing-library/react': fileURLToPath(
              new URL(
                './node_modules/@testing-library/react/dist/@testing-library/react.esm.js',
                import.meta.url,
              ),
            ),
          },
        },
        test: {
          name: 'react18',
          include: ['packages/react/src/**/__tests__/**/*.test.tsx'],
          server: { deps: { inline: ['@testing-library/react'] } },
        },
      },
    ],
  },
})
