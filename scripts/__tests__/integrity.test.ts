// @vitest-environment node
// Run after `npm run build` (npm test does): the snippets must carry the built bundle's hash.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BUNDLE, snippetFiles } from '../integrity.mjs'

const bundle = new URL(`../../${BUNDLE}`, import.meta.url)

describe('the printed script-tag snippet', () => {
  it.each(snippetFiles().map((entry) => [entry.file, entry] as const))(
    '%s carries the sha384 of the built trackpoint.min.js (npm run integrity updates it)',
    (_file, { current, expected }) => {
      const hash = createHash('sha384').update(readFileSync(bundle)).digest('base64')
      expect(current).toContain(`sha384-${hash}`)
      expect(current).not.toContain('sha384-…')
      expect(current).toBe(expected)
    },
  )
})
