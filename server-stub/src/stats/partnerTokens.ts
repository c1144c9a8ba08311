import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { EventStore } from '../types'

/**
 * Partner (B-side) tokens: an admin issues one scoped to a set of delivery ids; its holder may
 * read only those deliveries. The token is shown once; ClickHouse keeps its sha256 (table
 * `partner_tokens`, migration 7). Tokens are 32 random bytes, so an unsalted fast hash is enough:
 * nobody can guess a preimage, and a lookup by hash needs no per-token salt.
 */

/** A partner token as listed: never the token itself. */
export interface PartnerToken {
  id: string
  name: string
  delivery_ids: string[]
  /** ISO 8601. */
  created_at: string
  /** ISO 8601 once revoked; null while it is valid. */
  revoked_at: string | null
}

/** What a valid partner token may see. */
export interface PartnerScope {
  id: string
  name: string
  delivery_ids: string[]
}

/** The prefix of every partner token, so a leaked one is recognisable (and never an admin token). */
export const PARTNER_TOKEN_PREFIX = 'tpp_'

/** The stored form of a token: its sha256, hex. */
export const hashToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex')

interface Row {
  id: string
  name: string
  delivery_ids: string[]
  created_ms: number | string
  revoked_ms: number | string | null
}

// Times as epoch ms (aliases other than the columns' names, which they would shadow).
const COLUMNS = `id, name, delivery_ids, toUnixTimestamp64Milli(created_at) AS created_ms,
  if(isNull(revoked_at), NULL, toUnixTimestamp64Milli(assumeNotNull(revoked_at))) AS revoked_ms`

const iso = (ms: number | string) => new Date(Number(ms)).toISOString()

const toToken = (row: Row): PartnerToken => ({
  id: row.id,
  name: row.name,
  delivery_ids: row.delivery_ids,
  created_at: iso(row.created_ms),
  revoked_at: row.revoked_ms === null ? null : iso(row.revoked_ms),
})

/**
 * Issues a token for `deliveryIds` and stores its hash.
 *
 * @returns The listed form and, only here, the token.
 */
export async function issuePartnerToken(
  store: EventStore,
  name: string,
  deliveryIds: readonly string[],
  now = Date.now(),
): Promise<PartnerToken & { token: string }> {
  const token = PARTNER_TOKEN_PREFIX + randomBytes(32).toString('base64url')
  const id = randomUUID()
  const delivery_ids = [...new Set(deliveryIds)].sort()
  await store.insert('partner_tokens', [
    {
      id,
      name,
      token_sha256: hashToken(token),
      delivery_ids,
      created_at: now,
      revoked_at: null,
      updated_at: now,
    },
  ])
  return {
    id,
    name,
    delivery_ids,
    created_at: new Date(now).toISOString(),
    revoked_at: null,
    token,
  }
}

/** Every token, newest first, revoked ones included. */
export async function listPartnerTokens(store: EventStore): Promise<PartnerToken[]> {
  const rows = await store.query<Row>(
    `SELECT ${COLUMNS} FROM partner_tokens FINAL ORDER BY created_ms DESC, id`,
  )
  return rows.map(toToken)
}

/**
 * Revokes the token `id` (a revoked one keeps its first revocation time).
 *
 * @returns The token as it is now; undefined when no token has this id.
 */
export async function revokePartnerToken(
  store: EventStore,
  id: string,
  now = Date.now(),
): Promise<PartnerToken | undefined> {
  const [row] = await store.query<Row & { token_sha256: string }>(
    `SELECT ${COLUMNS}, token_sha256 FROM partner_tokens FINAL WHERE id = {id:String}`,
    { id },
  )
  if (!row) return undefined
  if (row.revoked_ms !== null) return toToken(row)
  // A later updated_at than any earlier row of the id, so the revocation is the row FINAL keeps.
  const updated = Math.max(now, Number(row.created_ms) + 1)
  await store.insert('partner_tokens', [
    {
      id: row.id,
      name: row.name,
      token_sha256: row.token_sha256,
      delivery_ids: row.delivery_ids,
      created_at: Number(row.created_ms),
      revoked_at: updated,
      updated_at: updated,
    },
  ])
  return { ...toToken(row), revoked_at: new Date(updated).toISOString() }
}

/**
 * The scope of a presented partner token, or undefined when it is unknown or revoked. Read from
 * the store on every request, so a revocation holds at once in every stats process.
 */
export async function partnerScope(
  store: EventStore,
  token: string,
): Promise<PartnerScope | undefined> {
  if (!token.startsWith(PARTNER_TOKEN_PREFIX) || token.length > 200) return undefined
  const [row] = await store.query<Row>(
    // FINAL in a subquery: the latest row of each id first, then the filter on it.
    `SELECT ${COLUMNS} FROM (SELECT * FROM partner_tokens FINAL)
     WHERE token_sha256 = {hash:String} AND isNull(revoked_at)`,
    { hash: hashToken(token) },
  )
  return row && { id: row.id, name: row.name, delivery_ids: row.delivery_ids }
}
