/** Where a server role writes structured log entries: one JSON object per line. */
export interface Logger {
  /** A routine entry, e.g. one per request. */
  info(entry: Record<string, unknown>): void
  /** Something went wrong inside the server (the client got a 500 or a 503). */
  error(entry: Record<string, unknown>): void
}

/**
 * A logger that writes one JSON line per entry, with `time` (ISO 8601) and `level` first, to
 * `out` (stdout by default), the form log shippers read without parsing rules.
 *
 * @param out - Where lines go.
 * @default out process.stdout
 */
export function createJsonLogger(out: { write(line: string): unknown } = process.stdout): Logger {
  const write = (level: string, entry: Record<string, unknown>) =>
    out.write(JSON.stringify({ time: new Date().toISOString(), level, ...entry }) + '\n')
  return {
    info: (entry) => write('info', entry),
    error: (entry) => write('error', entry),
  }
}

/** A logger that drops everything: for tests, and for embedding without logs. */
export const silentLogger: Logger = { info: () => undefined, error: () => undefined }
