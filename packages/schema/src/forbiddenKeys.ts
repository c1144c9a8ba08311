/**
 * Property keys that name sensitive data which must never be tracked (§八 禁止采集: passwords,
 * private keys, mnemonics, seed phrases, secrets, payment cards, identity numbers, credentials).
 *
 * Words are matched anywhere in the key, in any case and with any separator (`password`,
 * `userPassword`, `PRIVATE_KEY`, `private-key`, `seedPhrase`, `api_key`, `client_secret`). Short
 * acronyms (`pwd`, `ssn`, `cvv`, `cvc`, `pin_code`, `id_card`) only match as a word of their own,
 * so `className`, `businessName` and `paid_card` are not flagged. Deliberately not matched:
 * `seed`, `key`, `token`, `public_key`, `token_address` (legitimate on-chain fields) and
 * `secretary`.
 *
 * The pattern is written to work on raw keys; {@link isForbiddenKey} also tests the key with its
 * camelCase words split (`userSsn` → `user_Ssn`), which the pattern alone cannot see. Prefer
 * `isForbiddenKey`.
 *
 * This module is imported by `@trackpoint/core` at runtime: keep it tiny and free of imports.
 */
export const FORBIDDEN_KEY_PATTERN: RegExp =
  /pass(?:w|code|phrase)|passport|priv(?:ate)?.?key|mnemonic|seed.?phrase|recovery.?phrase|secret(?!ar)|api.?key|(?:access|refresh|auth|session).?token|credit.?card|card.?num|(?:^|[^a-z])(?:pwd|ssn|cvv|cvc|pin.?code|id.?card)(?![a-z])/i

/**
 * Whether a property key names sensitive data that must not be tracked (§八). Conservative: a
 * key such as `has_password` is flagged too, because dropping a harmless key costs less than
 * leaking a secret.
 *
 * @param key - A property key, at any nesting depth.
 * @param pattern - The pattern to test; pass your own to widen or narrow the rule.
 * @default pattern FORBIDDEN_KEY_PATTERN
 * @returns `true` when the key, or the key with its camelCase words split by `_`, matches.
 */
export function isForbiddenKey(key: string, pattern: RegExp = FORBIDDEN_KEY_PATTERN): boolean {
  // A /g or /y pattern keeps state between test() calls; start every test from the beginning.
  pattern.lastIndex = 0
  if (pattern.test(key)) return true
  const split = key.replace(/([a-z\d])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
  pattern.lastIndex = 0
  return split !== key && pattern.test(split)
}
