import { readPlanFile, trackingPlan, type PlanFile, type TrackingPlan } from '@trackpoint/schema'

/** The plan a server follows, with where it came from. */
export interface InstalledPlan {
  /** The plan file's `version`; 0 for the built-in plan alone. */
  readonly version: number
  /** The built-in events plus the file's. */
  readonly plan: TrackingPlan
  /** The plan file as installed; `null` for the built-in plan. */
  readonly file: PlanFile | null
  /** When it was installed (ISO 8601); `null` for the built-in plan. */
  readonly installed_at: string | null
  /** Who installed it: the `author` of the PUT, or `TRACKPOINT_PLAN` at start. */
  readonly installed_by: string | null
  /** A unique id of the installation, which tells two installs of one version apart. */
  readonly install_id: string | null
}

/** The plan of a server that was never given one: the built-in events of §三 and §八. */
export const BUILT_IN_PLAN: InstalledPlan = Object.freeze({
  version: 0,
  plan: trackingPlan,
  file: null,
  installed_at: null,
  installed_by: null,
  install_id: null,
})

/** The largest plan version: the `plan_version` column is a UInt32. */
export const MAX_PLAN_VERSION = 2 ** 32 - 1

/** An installation as written to the data dir or the plan topic: the plan is rebuilt on read. */
export type PlanRecord = Omit<InstalledPlan, 'plan'>

/** The stored form of `installed`. */
export function toPlanRecord(installed: InstalledPlan): PlanRecord {
  const { version, file, installed_at, installed_by, install_id } = installed
  return { version, file, installed_at, installed_by, install_id }
}

/**
 * Rebuilds an installation from its stored form, checking it again with `readPlanFile`: a
 * stored value that is corrupt or that this server version cannot read is an error, never a
 * plan half applied.
 *
 * @returns The plan, or why the record cannot be used.
 */
export function fromPlanRecord(value: unknown): InstalledPlan | string {
  if (typeof value !== 'object' || value === null) return 'not a plan record'
  const record = value as Partial<Record<keyof PlanRecord, unknown>>
  const { file, installed_at, installed_by, install_id } = record
  if (
    typeof installed_at !== 'string' ||
    typeof installed_by !== 'string' ||
    typeof install_id !== 'string'
  ) {
    return 'a plan record needs installed_at, installed_by and install_id'
  }
  const { plan, problems } = readPlanFile(file)
  if (!plan) {
    const errors = problems.filter((problem) => problem.severity === 'error')
    return `the stored plan file has errors: ${errors.map((p) => `${p.path}: ${p.message}`).join('; ')}`
  }
  if (plan.version > MAX_PLAN_VERSION || plan.version !== record.version) {
    return `the stored version ${String(record.version)} is not the file's ${plan.version}`
  }
  return {
    version: plan.version,
    plan: plan.plan,
    file: file as PlanFile,
    installed_at,
    installed_by,
    install_id,
  }
}
