import type { VersionedPlan } from './planFile'
import type { FieldSpec, FieldType } from './types'

/** One difference between two plans, found by {@link diffPlans}. */
export interface PlanChange {
  /** What changed. */
  readonly kind:
    | 'event_added'
    | 'event_removed'
    | 'event_changed'
    | 'field_added'
    | 'field_removed'
    | 'field_required'
    | 'field_optional'
    | 'type_narrowed'
    | 'type_widened'
    | 'type_changed'
    | 'version_not_raised'
  readonly event: string
  readonly field?: string
  /**
   * True when events that were valid before are invalid after (clients not yet updated lose
   * them), or when data that reports rely on disappears.
   */
  readonly breaking: boolean
  /** The change in a sentence. */
  readonly message: string
}

const show = (type: FieldType) => (Array.isArray(type) ? type.join('|') : String(type))

/** Values a field type accepts, as a set of predicates compared pairwise. */
function compareTypes(
  before: FieldSpec,
  after: FieldSpec,
): 'same' | 'narrower' | 'wider' | 'other' {
  const a = before.type
  const b = after.type
  const minA = before.min ?? -Infinity
  const minB = after.min ?? -Infinity
  const numeric = (t: FieldType) => t === 'number' || t === 'integer'
  if (Array.isArray(a) || Array.isArray(b)) {
    if (Array.isArray(a) && Array.isArray(b)) {
      const lost = a.some((v) => !b.includes(v))
      const gained = b.some((v) => !a.includes(v))
      return lost && gained ? 'other' : lost ? 'narrower' : gained ? 'wider' : 'same'
    }
    const list = (Array.isArray(a) ? a : b) as readonly (string | number)[]
    const plain = (Array.isArray(a) ? b : a) as FieldType
    const fits = list.every((v) =>
      plain === 'string'
        ? typeof v === 'string'
        : numeric(plain) && typeof v === 'number' && (plain === 'number' || Number.isInteger(v)),
    )
    if (!fits) return 'other'
    return Array.isArray(a) ? 'wider' : 'narrower'
  }
  if (a === b) return minA === minB ? 'same' : minB > minA ? 'narrower' : 'wider'
  if (numeric(a) && numeric(b)) {
    const typeWay = a === 'number' ? 'narrower' : 'wider'
    const minWay = minA === minB ? typeWay : minB > minA ? 'narrower' : 'wider'
    return typeWay === minWay ? typeWay : 'other'
  }
  return 'other'
}

/**
 * The differences between two versions of a plan, each marked breaking or not. Breaking: an
 * event or a field removed, a field made required or added as required, a type narrowed (an
 * enum value removed, `number` → `integer`, a higher `min`, `string` → an enum) or changed to
 * another. Also reported: a changed event whose plan version was not raised.
 *
 * @param before - The plan in use (e.g. the main branch's file).
 * @param after - The proposed plan.
 */
export function diffPlans(before: VersionedPlan, after: VersionedPlan): PlanChange[] {
  const changes: PlanChange[] = []
  const add = (change: PlanChange) => changes.push(change)
  const old = before.plan.events
  const next = after.plan.events
  for (const event of Object.keys(old)) {
    if (!Object.prototype.hasOwnProperty.call(next, event)) {
      add({ kind: 'event_removed', event, breaking: true, message: `event "${event}" removed` })
    }
  }
  for (const [event, spec] of Object.entries(next)) {
    const was = Object.prototype.hasOwnProperty.call(old, event) ? old[event] : undefined
    if (!was) {
      add({ kind: 'event_added', event, breaking: false, message: `event "${event}" added` })
      continue
    }
    const at = (field: string) => `field "${field}" of "${event}"`
    const changesBefore = changes.length
    for (const field of Object.keys(was.fields)) {
      if (!Object.prototype.hasOwnProperty.call(spec.fields, field)) {
        add({
          kind: 'field_removed',
          event,
          field,
          breaking: true,
          message: `${at(field)} removed`,
        })
      }
    }
    for (const [field, now] of Object.entries(spec.fields)) {
      const prior = Object.prototype.hasOwnProperty.call(was.fields, field)
        ? was.fields[field]
        : undefined
      if (!prior) {
        add({
          kind: 'field_added',
          event,
          field,
          breaking: now.required === true,
          message: `${at(field)} added${now.required ? ' as required' : ''}`,
        })
        continue
      }
      if (!prior.required && now.required) {
        add({
          kind: 'field_required',
          event,
          field,
          breaking: true,
          message: `${at(field)} made required`,
        })
      } else if (prior.required && !now.required) {
        add({
          kind: 'field_optional',
          event,
          field,
          breaking: false,
          message: `${at(field)} made optional`,
        })
      }
      const way = compareTypes(prior, now)
      if (way === 'same') continue
      const from = `${show(prior.type)}${prior.min !== undefined ? ` ≥ ${prior.min}` : ''}`
      const to = `${show(now.type)}${now.min !== undefined ? ` ≥ ${now.min}` : ''}`
      add({
        kind:
          way === 'narrower' ? 'type_narrowed' : way === 'wider' ? 'type_widened' : 'type_changed',
        event,
        field,
        breaking: way !== 'wider',
        message: `${at(field)}: ${from} → ${to}`,
      })
    }
    const meta = (s: object) => s as { owner?: string; version?: number }
    if (was.description !== spec.description || meta(was).owner !== meta(spec).owner) {
      add({
        kind: 'event_changed',
        event,
        breaking: false,
        message: `description or owner of "${event}" changed`,
      })
    }
    const [v0, v1] = [meta(was).version, meta(spec).version]
    if (changes.length > changesBefore && v0 !== undefined && v1 !== undefined && v1 <= v0) {
      add({
        kind: 'version_not_raised',
        event,
        breaking: false,
        message: `event "${event}" changed but its version stayed ${v1}; raise it above ${v0}`,
      })
    }
  }
  if (changes.length && after.version <= before.version) {
    add({
      kind: 'version_not_raised',
      event: '',
      breaking: false,
      message: `the plan changed but its version stayed ${after.version}; raise it above ${before.version}`,
    })
  }
  return changes
}
