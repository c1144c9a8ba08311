// Compares a type checker's errors with the MISTAKE "<text>" markers of the files it checked.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Lines marked `MISTAKE "<text>"` in the files of `dir`, as `file:line` → text.
 * @param {string} dir
 * @param {string} prefix The folder as the checker prints it, e.g. `mistakes/`.
 */
const markedLines = (dir, prefix) => {
  /** @type {Map<string, string>} */
  const marked = new Map()
  for (const file of readdirSync(dir)) {
    if (!/\.(ts|tsx|vue)$/.test(file)) continue
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const match = /MISTAKE "([^"]+)"/.exec(line)
        if (match) marked.set(`${prefix}${file}:${index + 1}`, match[1])
      })
  }
  return marked
}

/**
 * Errors in `tsc --pretty false` output, as `file:line` → message (continuation lines
 * included, several errors on one line joined).
 * @param {string} output
 */
const errorsByLine = (output) => {
  /** @type {Map<string, string>} */
  const errors = new Map()
  let current
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line)
    if (match) {
      current = `${match[1]}:${match[2]}`
      errors.set(current, `${errors.get(current) ?? ''}${match[3]}\n`)
    } else if (current && /^\s/.test(line)) {
      errors.set(current, `${errors.get(current)}${line}\n`)
    }
  }
  return errors
}

/**
 * Problems with a checker's output on the mistakes folder: a marked line without an error
 * holding its text, or an error on a line that is not marked. Empty when all is as expected.
 * @param {string} output
 * @param {string} dir The mistakes folder.
 * @param {string} prefix The folder as the checker prints it.
 * @returns {string[]}
 */
export function compareMistakes(output, dir, prefix) {
  const marked = markedLines(dir, prefix)
  const errors = errorsByLine(output)
  const problems = []
  if (marked.size === 0) problems.push(`no MISTAKE markers in ${dir}`)
  for (const [at, text] of marked) {
    const message = errors.get(at)
    if (!message) problems.push(`${at}: expected a compile error mentioning "${text}", got none`)
    else if (!message.includes(text)) {
      problems.push(`${at}: expected the error to mention "${text}", got: ${message.trim()}`)
    }
  }
  for (const [at, message] of errors) {
    if (!marked.has(at)) problems.push(`${at}: unexpected error: ${message.trim()}`)
  }
  return problems
}
