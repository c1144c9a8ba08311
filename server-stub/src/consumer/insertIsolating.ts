/**
 * Poison-row isolation for inserts: a batch the store refuses because of some of its rows is
 * split in halves, and the halves tried again, until the refused rows stand alone; those are
 * returned with the store's reason and the rest is stored. A failure that is not the rows'
 * (the store is down, overloaded, read-only) is thrown, so the caller retries the whole batch
 * with back-off and never dead-letters it.
 */

/** Whose fault an insert failure is. */
export type InsertFailureKind = 'rows' | 'store'

/**
 * ClickHouse error types that say the store cannot take inserts now, whatever the rows: retry
 * later. (Names of src/Common/ErrorCodes.cpp.)
 */
const STORE_ERROR_TYPES: ReadonlySet<string> = new Set([
  'TIMEOUT_EXCEEDED',
  'SOCKET_TIMEOUT',
  'NETWORK_ERROR',
  'ALL_CONNECTION_TRIES_FAILED',
  'MEMORY_LIMIT_EXCEEDED',
  'CANNOT_ALLOCATE_MEMORY',
  'NOT_ENOUGH_SPACE',
  'TOO_MANY_SIMULTANEOUS_QUERIES',
  'TOO_MANY_PARTS',
  'READONLY',
  'TABLE_IS_READ_ONLY',
  'UNKNOWN_TABLE',
  'UNKNOWN_DATABASE',
  'AUTHENTICATION_FAILED',
  'REQUIRED_PASSWORD',
  'ACCESS_DENIED',
  'KEEPER_EXCEPTION',
  'NO_ZOOKEEPER',
  'UNKNOWN_STATUS_OF_INSERT',
  'QUERY_WAS_CANCELLED',
  'ABORTED',
  'SYSTEM_ERROR',
  'CANNOT_WRITE_TO_FILE_DESCRIPTOR',
  'CANNOT_OPEN_FILE',
])

/**
 * "Too many partitions for single INSERT block" shares TOO_MANY_PARTS (252) with "too many
 * parts" (merges are behind, a store condition); this one is the batch's: fewer rows pass.
 */
const TOO_MANY_PARTITIONS = /partitions for single INSERT block/i

/**
 * Whose fault an insert failure is. An error the ClickHouse server answered (it has a numeric
 * `code` and a `type`, as `ClickHouseError` of @clickhouse/client, over HTTP or chdb) is the
 * rows' unless its type says the store cannot take inserts now; anything else (a refused or
 * reset connection, a timeout, a closed store) is the store's.
 */
export function classifyInsertFailure(error: unknown): InsertFailureKind {
  const { code, type, message } = (error ?? {}) as {
    code?: unknown
    type?: unknown
    message?: unknown
  }
  if (typeof code !== 'string' || !/^\d+$/.test(code) || typeof type !== 'string') return 'store'
  if (TOO_MANY_PARTITIONS.test(String(message))) return 'rows'
  return STORE_ERROR_TYPES.has(type) ? 'store' : 'rows'
}

/** A row the store refused on its own, and the store's reason. */
export interface RefusedRow<R> {
  row: R
  reason: string
}

/** Options of {@link insertIsolating}. */
export interface InsertIsolatingOptions {
  /**
   * Asked before a lone row is declared refused: when the store does not answer, the failure
   * was not the row's after all, and the batch is retried instead.
   */
  storeUp: () => Promise<boolean>
  /** Whose fault a failure is. @default classifyInsertFailure */
  classify?: (error: unknown) => InsertFailureKind
}

const describe = (error: unknown) =>
  error instanceof Error ? error.message.split('\n', 1)[0]!.trim() : String(error)

/**
 * Inserts `rows` with `insert`, isolating the rows the store refuses (see the module comment).
 * With k refused rows among n it costs O(k log n) inserts; a clean batch costs one.
 *
 * @returns The refused rows with their reasons; every other row is stored.
 * @throws The store's error when the failure is not the rows' (retry the batch later).
 */
export async function insertIsolating<R>(
  insert: (rows: R[]) => Promise<void>,
  rows: R[],
  options: InsertIsolatingOptions,
): Promise<RefusedRow<R>[]> {
  const classify = options.classify ?? classifyInsertFailure
  const attempt = async (part: R[]): Promise<RefusedRow<R>[]> => {
    if (!part.length) return []
    try {
      await insert(part)
      return []
    } catch (error) {
      if (classify(error) === 'store') throw error
      if (part.length === 1) {
        if (!(await options.storeUp().catch(() => false))) throw error
        return [{ row: part[0]!, reason: describe(error) }]
      }
      const middle = Math.ceil(part.length / 2)
      const first = await attempt(part.slice(0, middle))
      return [...first, ...(await attempt(part.slice(middle)))]
    }
  }
  return attempt(rows)
}
