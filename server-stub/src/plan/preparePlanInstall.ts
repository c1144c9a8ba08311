import { randomUUID } from 'node:crypto'
import {
  diffPlans,
  readPlanFile,
  type PlanChange,
  type PlanFile,
  type PlanProblem,
} from '@trackpoint/schema'
import { HttpError } from '../http/httpError'
import { MAX_PLAN_VERSION, type InstalledPlan } from './installedPlan'

/** An installation ready to be written, with what it changes. */
export interface PreparedInstall {
  /** The plan to install. */
  installed: InstalledPlan
  /** Every difference from the current plan (`diffPlans`), breaking ones included when allowed. */
  changes: PlanChange[]
  /** The file's warnings (§八 conventions): they do not stop an install. */
  warnings: PlanProblem[]
}

/** What may change between the check and the write: the clock and the id. */
export interface InstallStamp {
  /** @default new Date() */
  now?: Date
  /** @default a random UUID */
  installId?: string
}

const MAX_AUTHOR_LENGTH = 200

const bad = (message: string, details?: Record<string, unknown>) =>
  new HttpError(400, message, 'bad_plan', undefined, details)

/**
 * Checks a plan file for installation over `current`, as `PUT /api/admin/plan` and
 * `TRACKPOINT_PLAN` do: the checks of `readPlanFile` (400 with every problem), a version
 * higher than the current one (409 `version_not_higher`), and no breaking change (`diffPlans`)
 * unless `allowBreaking` (409 `breaking_changes`, listing them).
 *
 * @param current - The plan installed now.
 * @param file - The parsed plan file.
 * @param author - Who installs it, recorded with it.
 * @param allowBreaking - Let breaking changes through (the apps that send the events are updated).
 * @throws HttpError with the status and the details above.
 */
export function preparePlanInstall(
  current: InstalledPlan,
  file: unknown,
  author: string,
  allowBreaking: boolean,
  stamp: InstallStamp = {},
): PreparedInstall {
  const { plan, problems } = readPlanFile(file)
  if (!plan) {
    const errors = problems.filter((problem) => problem.severity === 'error')
    return failPlan(errors)
  }
  if (plan.version > MAX_PLAN_VERSION) {
    throw bad(`the plan's version must be at most ${MAX_PLAN_VERSION}`)
  }
  if (plan.version <= current.version) {
    throw new HttpError(
      409,
      `version ${plan.version} is not higher than the installed version ${current.version}; raise "version" in the plan file`,
      'version_not_higher',
      undefined,
      { current_version: current.version },
    )
  }
  const changes = diffPlans(current, plan)
  const breaking = changes.filter((change) => change.breaking)
  if (breaking.length && !allowBreaking) {
    throw new HttpError(
      409,
      `the plan has ${breaking.length} breaking change(s): events valid today would be refused or data reports read would disappear. Update the apps first, then send "allow_breaking": true`,
      'breaking_changes',
      undefined,
      { current_version: current.version, changes: breaking },
    )
  }
  return {
    installed: {
      version: plan.version,
      plan: plan.plan,
      file: file as PlanFile,
      installed_at: (stamp.now ?? new Date()).toISOString(),
      installed_by: author,
      install_id: stamp.installId ?? randomUUID(),
    },
    changes,
    warnings: problems.filter((problem) => problem.severity === 'warning'),
  }
}

function failPlan(errors: PlanProblem[]): never {
  throw bad(
    `the plan file has ${errors.length} error(s); see problems (trackpoint-plan check lists the same)`,
    { problems: errors },
  )
}

/** The body of `PUT /api/admin/plan`, checked. */
export interface PlanInstallRequest {
  plan: unknown
  author: string
  allow_breaking: boolean
}

/**
 * Reads the body of `PUT /api/admin/plan`: `{ plan, author, allow_breaking? }`.
 *
 * @throws HttpError 400 naming what is wrong.
 */
export function readPlanInstallRequest(body: unknown): PlanInstallRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('Body must be {"plan": <plan file>, "author": "<who installs it>"}')
  }
  const { plan, author, allow_breaking = false } = body as Record<string, unknown>
  if (typeof author !== 'string' || !author.trim() || author.length > MAX_AUTHOR_LENGTH) {
    throw bad(
      `"author" must say who installs the plan (1–${MAX_AUTHOR_LENGTH} characters), e.g. "alice@data-team"`,
    )
  }
  if (typeof allow_breaking !== 'boolean') throw bad('"allow_breaking" is true or false')
  if (plan === undefined) throw bad('"plan" must be the plan file (the JSON of tracking-plan.json)')
  return { plan, author: author.trim(), allow_breaking }
}
