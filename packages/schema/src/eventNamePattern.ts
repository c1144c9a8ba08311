/**
 * Event names are lower_snake_case (§八 命名规范): a lower-case letter, then lower-case letters
 * and digits in words joined by single underscores, e.g. `page_view`, `recommend_click`.
 */
export const EVENT_NAME_PATTERN: RegExp = /^[a-z][a-z\d]*(?:_[a-z\d]+)*$/

/** Whether `name` is a well-formed event name (see {@link EVENT_NAME_PATTERN}). */
export function isValidEventName(name: string): boolean {
  return EVENT_NAME_PATTERN.test(name)
}
