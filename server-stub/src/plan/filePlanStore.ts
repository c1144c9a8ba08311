import { randomUUID } from 'node:crypto'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Logger } from '../http/logger'
import { BUILT_IN_PLAN, fromPlanRecord, toPlanRecord, type InstalledPlan } from './installedPlan'
import { createSerialQueue, type PlanStore } from './planStore'

/**
 * The embedded plan store: the installed plan in one JSON file of the data dir
 * (`tracking-plan.installed.json`), so that a restart keeps it. A write goes to a temporary
 * file, is synced, then renamed over the old one: a crash leaves the old plan or the new, never
 * half a file. A stored file that cannot be read back (corrupt, or written by a newer server)
 * is set aside as `<name>.corrupt-<time>` and reported; the server starts on the built-in plan,
 * which stores the app's events as unplanned rather than losing them.
 *
 * @param path - The file.
 * @param logger - Where a corrupt file is reported.
 */
export async function createFilePlanStore(path: string, logger: Logger): Promise<PlanStore> {
  let current: InstalledPlan = BUILT_IN_PLAN
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text !== undefined) {
    let stored: InstalledPlan | string
    try {
      stored = fromPlanRecord(JSON.parse(text))
    } catch (error) {
      stored = `not JSON: ${(error as Error).message}`
    }
    if (typeof stored === 'string') {
      const aside = `${path}.corrupt-${Date.now()}`
      await rename(path, aside)
      logger.error({ msg: 'stored tracking plan unreadable; set aside', path, aside, why: stored })
    } else current = stored
  }
  const serial = createSerialQueue()
  return {
    current: () => current,
    known: () => true,
    install: (prepare) =>
      serial(async () => {
        const prepared = prepare(current)
        await mkdir(dirname(path), { recursive: true })
        const temporary = `${path}.${randomUUID()}.tmp`
        const file = await open(temporary, 'w')
        try {
          await file.writeFile(JSON.stringify(toPlanRecord(prepared.installed)))
          await file.sync()
        } finally {
          await file.close()
        }
        await rename(temporary, path)
        current = prepared.installed
        return prepared
      }),
    close: async () => undefined,
  }
}
