/** Why an event failed validation; the values are what the debug API reports. */
export const ValidationErrorCode = {
  /** A required field is absent, `null` or an empty string. */
  MissingField: 'missing_field',
  /** A field has the wrong JSON type, e.g. a string where a number belongs. */
  WrongType: 'wrong_type',
  /** A field has the right type but a value the plan does not allow (enum, range, format). */
  InvalidValue: 'invalid_value',
  /** `event_name` is not lower_snake_case (§八). */
  BadName: 'bad_name',
  /** `event_name` is well formed but not in the tracking plan. */
  UnknownEvent: 'unknown_event',
  /** A key names sensitive data that must not be tracked (§八), at any depth. */
  ForbiddenKey: 'forbidden_key',
} as const

/** Why an event failed validation (one of {@link ValidationErrorCode}'s values). */
export type ValidationErrorCode = (typeof ValidationErrorCode)[keyof typeof ValidationErrorCode]

/** One problem found in an event. */
export interface ValidationError {
  /**
   * Path of the offending field from the event's root, e.g. `timestamp`,
   * `properties.delivery_id` or `properties.wallet.private_key`; `''` for the event itself.
   */
  field: string
  /** What kind of problem it is. */
  code: ValidationErrorCode
  /** What is wrong and how to fix it, for the developer who tracks the event. */
  message: string
}

/** The outcome of validating one event. */
export interface EventValidationResult {
  /** `true` when `errors` is empty. */
  valid: boolean
  /** Every problem found, in field order; empty for a valid event. */
  errors: ValidationError[]
}

/** The outcome of validating one event of a batch, as in §五's debug `validation_results`. */
export interface IndexedValidationResult extends EventValidationResult {
  /** The event's position in the batch, from 0. */
  event_index: number
}
