import { trackingPlan } from './trackingPlan'
import { extendPlan } from './extendPlan'
import { findPlanProblems, type PlanProblem } from './planProblems'
import type { EventSpec, FieldSpec, TrackingPlan } from './types'

/** One of the app's own events in a plan file: the spec, who owns it, and its version. */
export interface PlanFileEvent extends EventSpec {
  /** The team or person who answers for the event (reviews changes, watches its health). */
  readonly owner: string
  /** The event's version, raised with every change to it (1 for a new event). */
  readonly version: number
}

/**
 * A tracking plan file (JSON, or YAML when the `yaml` package is installed): the app's own
 * events and fields on top of the built-in §三 plan, reviewed like code. The built-in events
 * are always part of the plan; a file adds events and adds fields to any event.
 *
 * Its JSON Schema is `@trackpoint/schema/plan.schema.json`.
 */
export interface PlanFile {
  /** Where editors find the JSON Schema, e.g. `./node_modules/@trackpoint/schema/plan.schema.json`. */
  readonly $schema?: string
  /** The plan's version, raised with every reviewed change; stored with each event. */
  readonly version: number
  /** The app's own events, by name. */
  readonly events?: Readonly<Record<string, PlanFileEvent>>
  /** Fields added to events of the plan (built-in or the file's own), by event and field name. */
  readonly fields?: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>
}

/** A plan file's plan, with its version: what the server and the CLI work with. */
export interface VersionedPlan {
  /** The plan file's `version`; 0 for the built-in plan alone. */
  readonly version: number
  /** The built-in events plus the file's. */
  readonly plan: TrackingPlan
}

/** The result of {@link readPlanFile}. */
export interface PlanFileResult {
  /** The plan, when the file has no error (warnings allowed). */
  readonly plan?: VersionedPlan
  /** Every error and warning, with where it is. */
  readonly problems: readonly PlanProblem[]
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const FILE_KEYS = ['$schema', 'version', 'events', 'fields']
const EVENT_KEYS = ['description', 'owner', 'version', 'fields']
const FIELD_KEYS = ['type', 'required', 'min', 'description']
// The wire names of §三 (delivery_id, page_name) are snake_case, and so are ours; §八's
// "camelCase properties" contradicts §三, which every stored event already follows.
const SNAKE_CASE = /^[a-z][a-z\d]*(?:_[a-z\d]+)*$/

const isVersion = (value: unknown): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1

function unknownKeys(value: Record<string, unknown>, known: string[], at: string): PlanProblem[] {
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      severity: 'error' as const,
      path: at ? `${at}.${key}` : key,
      message: `unknown key "${key}"${at ? ` in ${at}` : ''}; the keys are ${known.join(', ')}`,
    }))
}

/** Shape errors the extension check does not make, and §八's conventions as warnings. */
function fieldConventions(fields: unknown, at: string): PlanProblem[] {
  if (!isRecord(fields)) return []
  const problems: PlanProblem[] = []
  for (const [name, spec] of Object.entries(fields)) {
    const path = `${at}.${name}`
    if (!isRecord(spec)) continue
    problems.push(...unknownKeys(spec, FIELD_KEYS, path))
    if (typeof spec.description !== 'string' || !spec.description.trim()) {
      problems.push({ severity: 'error', path, message: `field "${name}" needs a description` })
    }
    if (spec.required !== undefined && typeof spec.required !== 'boolean') {
      problems.push({
        severity: 'error',
        path,
        message: `"required" of "${name}" is true or false`,
      })
    }
    if (spec.min !== undefined && !(spec.type === 'number' || spec.type === 'integer')) {
      problems.push({ severity: 'error', path, message: `"min" of "${name}" needs a number type` })
    }
    if (spec.min !== undefined && !Number.isFinite(spec.min)) {
      problems.push({ severity: 'error', path, message: `"min" of "${name}" must be a number` })
    }
    if (!SNAKE_CASE.test(name)) {
      problems.push({
        severity: 'warning',
        path,
        message: `field name "${name}" is not snake_case like the §三 fields (e.g. "wallet_type")`,
      })
    }
    if (spec.type === 'boolean' && !/^(?:is|has)_/.test(name)) {
      problems.push({
        severity: 'warning',
        path,
        message: `boolean field "${name}" should start with is_ or has_ (§八), e.g. "is_${name}"`,
      })
    }
    if (Array.isArray(spec.type)) {
      for (const value of spec.type) {
        if (typeof value === 'string' && !SNAKE_CASE.test(value)) {
          problems.push({
            severity: 'warning',
            path: `${path}.type`,
            message: `enum value "${value}" of "${name}" should be lower_snake_case English (§八)`,
          })
        }
      }
    }
  }
  return problems
}

/**
 * Checks a parsed plan file and builds its plan: the shape (every key known, descriptions,
 * owners and versions present), §八 naming (event names are errors, field and enum names
 * warnings), forbidden keys, and every check of `extendPlan` against the built-in plan.
 * Never throws: every problem is returned with its path.
 *
 * @param value - The file's parsed JSON or YAML.
 * @param base - The plan the file extends.
 * @default base trackingPlan
 */
export function readPlanFile(value: unknown, base: TrackingPlan = trackingPlan): PlanFileResult {
  if (!isRecord(value)) {
    return {
      problems: [{ severity: 'error', path: '', message: 'a plan file is a JSON object' }],
    }
  }
  const problems: PlanProblem[] = [...unknownKeys(value, FILE_KEYS, '')]
  if (!isVersion(value.version)) {
    problems.push({
      severity: 'error',
      path: 'version',
      message: 'the plan needs "version": a whole number ≥ 1, raised with every change',
    })
  }
  for (const key of ['events', 'fields'] as const) {
    if (value[key] !== undefined && !isRecord(value[key])) {
      problems.push({ severity: 'error', path: key, message: `"${key}" is an object by name` })
    }
  }
  const events = isRecord(value.events) ? value.events : {}
  const fields = isRecord(value.fields) ? value.fields : {}
  for (const [name, spec] of Object.entries(events)) {
    const path = `events.${name}`
    if (!isRecord(spec)) {
      problems.push({ severity: 'error', path, message: `event "${name}" is an object` })
      continue
    }
    problems.push(...unknownKeys(spec, EVENT_KEYS, path))
    if (typeof spec.description !== 'string' || !spec.description.trim()) {
      problems.push({ severity: 'error', path, message: `event "${name}" needs a description` })
    }
    if (typeof spec.owner !== 'string' || !spec.owner.trim()) {
      problems.push({
        severity: 'error',
        path,
        message: `event "${name}" needs an owner (the team that answers for it)`,
      })
    }
    if (!isVersion(spec.version)) {
      problems.push({
        severity: 'error',
        path,
        message: `event "${name}" needs "version": a whole number ≥ 1 (1 for a new event)`,
      })
    }
    problems.push(...fieldConventions(spec.fields, `${path}.fields`))
  }
  for (const [name, added] of Object.entries(fields)) {
    problems.push(...fieldConventions(added, `fields.${name}`))
  }
  const extension = {
    events: Object.fromEntries(
      Object.entries(events).filter((entry): entry is [string, EventSpec] => isRecord(entry[1])),
    ),
    fields: fields as Record<string, Record<string, FieldSpec>>,
  }
  problems.push(...findPlanProblems(base, extension))
  if (problems.some((problem) => problem.severity === 'error')) return { problems }
  const plan = extendPlan(base, extension)
  return { plan: { version: value.version as number, plan }, problems }
}
