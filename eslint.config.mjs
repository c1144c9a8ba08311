// ESLint flat config: typescript-eslint with type information, and a rule that keeps
// frameworks out of @trackpoint/core (the adapters wrap core, never the other way round).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      'test-results/**',
      'playwright-report/**',
      '.data/**',
      // Next.js output, and the consumer apps: scripts/checkPackages.mjs type-checks those
      // against the packed tarballs (their mistakes/ folders hold compile errors on purpose).
      'examples/next/.next/**',
      'examples/next/out/**',
      'examples/next/next-env.d.ts',
      'test/consumers/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'react',
                'react-dom',
                'vue',
                '@vue/*',
                '@trackpoint/react',
                '@trackpoint/vue',
              ],
              message: '@trackpoint/core stays framework-free; put framework code in an adapter.',
            },
          ],
        },
      ],
    },
  },
)
