/**
 * A random UUID v4. `crypto.randomUUID` exists only in secure contexts (https, localhost),
 * so plain-http pages get one built from `crypto.getRandomValues`, which exists everywhere.
 */
export const uuid = (): string =>
  crypto.randomUUID?.() ??
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16),
  )
