/**
 * `@trackpoint/schema`: the Trackpoint tracking plan (§三, §八) as TypeScript types and data,
 * and the validator shared by the SDK's debug mode and the collector.
 *
 * @packageDocumentation
 */
export type { BuiltInEventProperties, EventName, EventProperties } from './eventProperties'
export { PLATFORMS, type CommonFields, type Platform } from './commonFields'
export type {
  EventSpec,
  FieldSpec,
  FieldType,
  FieldValue,
  PlanExtension,
  PropertiesOfEvent,
  PropertiesOfPlan,
  TrackingPlan,
} from './types'
export { trackingPlan } from './trackingPlan'
export { extendPlan } from './extendPlan'
export { EVENT_NAME_PATTERN, isValidEventName } from './eventNamePattern'
export { FORBIDDEN_KEY_PATTERN, isForbiddenKey } from './forbiddenKeys'
export {
  ValidationErrorCode,
  type EventValidationResult,
  type IndexedValidationResult,
  type ValidationError,
} from './validationError'
export { validateEvent, validateEvents } from './validateEvent'
export { findPlanProblems, type PlanProblem } from './planProblems'
export {
  readPlanFile,
  type PlanFile,
  type PlanFileEvent,
  type PlanFileResult,
  type VersionedPlan,
} from './planFile'
export { planTypes } from './planTypes'
export { diffPlans, type PlanChange } from './diffPlans'
