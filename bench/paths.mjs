// Where things are, independent of the working directory.
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Scratch output of the benchmarks (gitignored). */
export const RESULTS = join(ROOT, 'bench/.results')
