import { pino, type DestinationStream } from 'pino'

/** Where a server role writes structured log entries: one JSON object per line. */
export interface Logger {
  /** A routine entry, e.g. one per request. */
  info(entry: Record<string, unknown>): void
  /** Something went wrong inside the server (the client got a 500 or a 503). */
  error(entry: Record<string, unknown>): void
}

/**
 * A pino logger writing one JSON line per entry, with `level` (`info`, `error`) and `time`
 * (ISO 8601) first, the form log shippers read without parsing rules. Writes are synchronous,
 * so the lines of a process that exits after SIGTERM are all out.
 *
 * @param out - Where lines go.
 * @default out process.stdout
 */
export function createJsonLogger(out: DestinationStream = pino.destination(1)): Logger {
  const logger = pino(
    {
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    out,
  )
  return {
    info: (entry) => logger.info(entry),
    error: (entry) => logger.error(entry),
  }
}

/** A logger that drops everything: for tests, and for embedding without logs. */
export const silentLogger: Logger = { info: () => undefined, error: () => undefined }
