import { isForbiddenKey } from './forbiddenKeys'
import { isPlainObject } from './checkField'

/** Keys remembered by {@link isForbiddenKeyCached}; forgotten all at once past this many. */
const KEY_CACHE_SIZE = 4096
const keyVerdicts = new Map<string, boolean>()

/**
 * {@link isForbiddenKey} with the verdict remembered per key: a collector sees the same few
 * hundred keys in every event, and the pattern plus the camelCase split were its largest CPU
 * cost per request (a profile of `bench/server-compare.mjs`, docs/server-benchmarks.md).
 */
function isForbiddenKeyCached(key: string): boolean {
  let verdict = keyVerdicts.get(key)
  if (verdict === undefined) {
    if (keyVerdicts.size >= KEY_CACHE_SIZE) keyVerdicts.clear()
    keyVerdicts.set(key, (verdict = isForbiddenKey(key)))
  }
  return verdict
}

/**
 * Paths of every key under `value` that names sensitive data (§八), at any depth, through
 * plain objects and arrays: e.g. `properties.wallet.private_key`, `properties.items[0].cvv`.
 * The value under a forbidden key is not searched further; cycles are visited once.
 *
 * @param value - What to search, usually a whole event.
 * @param path - The path of `value` itself; `''` for the root.
 */
export function findForbiddenKeys(value: unknown, path = ''): string[] {
  const found: string[] = []
  const seen = new Set<object>()
  const visit = (node: unknown, at: string): void => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return
    seen.add(node)
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${at}[${index}]`))
      return
    }
    if (!isPlainObject(node)) return
    for (const key of Object.keys(node)) {
      const keyPath = at === '' ? key : `${at}.${key}`
      if (isForbiddenKeyCached(key)) found.push(keyPath)
      else visit(node[key], keyPath)
    }
  }
  visit(value, path)
  return found
}
