import type { FieldSpec } from './types'
import { ValidationErrorCode, type ValidationError } from './validationError'

/** Whether `value` is a plain object (`{}` or `Object.create(null)`), not an array or class. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The own property `key` of `object`, never an inherited one such as `constructor`. */
export function ownValue(object: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key)
    ? (object as Record<string, unknown>)[key]
    : undefined
}

/** A short description of a value for error messages: `"open"`, `42`, `an array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} (a string)`
    case 'number':
    case 'boolean':
      return String(value)
    default:
      return `a value of type ${typeof value}`
  }
}

const error = (field: string, code: ValidationErrorCode, message: string): ValidationError => ({
  field,
  code,
  message,
})

/**
 * Checks one value against its field spec.
 *
 * @param value - The value found in the event (`undefined` when absent).
 * @param spec - The field's spec from the plan.
 * @param field - The field's path for messages, e.g. `properties.delivery_id`.
 * @param context - Appended to "is required" and "must be", e.g. ` for recommend_impression`.
 * @returns The problem found, or `undefined` when the value is fine.
 */
export function checkField(
  value: unknown,
  spec: FieldSpec,
  field: string,
  context = '',
): ValidationError | undefined {
  const { type, required = false, min } = spec
  if (value === undefined || value === null) {
    return required
      ? error(field, ValidationErrorCode.MissingField, `${field} is required${context}`)
      : undefined
  }
  // Built only for a message: the collector checks every field of every event it receives.
  const got = () => `; got ${describeValue(value)}`
  if (typeof type !== 'string') {
    return type.includes(value as string | number)
      ? undefined
      : error(
          field,
          ValidationErrorCode.InvalidValue,
          `${field} must be one of ${type.map((v) => JSON.stringify(v)).join(', ')}${context}${got()}`,
        )
  }
  const jsonType = type === 'integer' ? 'number' : type
  if (typeof value !== jsonType) {
    const article = type === 'integer' ? 'an' : 'a'
    return error(
      field,
      ValidationErrorCode.WrongType,
      `${field} must be ${article} ${type}${context}${got()}`,
    )
  }
  if (typeof value === 'string' && required && value.trim() === '') {
    return error(
      field,
      ValidationErrorCode.MissingField,
      `${field} is required${context} and must not be empty (§八)`,
    )
  }
  if (typeof value !== 'number') return undefined
  if (!Number.isFinite(value)) {
    return error(
      field,
      ValidationErrorCode.InvalidValue,
      `${field} must be a finite number${context}${got()}`,
    )
  }
  if (type === 'integer' && !Number.isInteger(value)) {
    return error(
      field,
      ValidationErrorCode.WrongType,
      `${field} must be an integer${context}${got()}`,
    )
  }
  if (min !== undefined && value < min) {
    return error(
      field,
      ValidationErrorCode.InvalidValue,
      `${field} must be at least ${min}${context}${got()}`,
    )
  }
  return undefined
}
