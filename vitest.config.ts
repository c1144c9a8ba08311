import { defineConfig } from 'vitest/config'
import { fileURLToPath } from 'node:url'

const src = (pkg: string) =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: {
      '@trackpoint/schema': src('schema'),
      '@trackpoint/core': src('core'),
    },
  },
  test: {
    include: [
      'packages/*/src/**/__tests__/**/*.test.ts',
      'server-stub/src/**/__tests__/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    environment: 'node',
    restoreMocks: true,
  },
})
