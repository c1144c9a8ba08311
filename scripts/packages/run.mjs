// Runs a command to completion with a deadline, for the package check (scripts/checkPackages.mjs).
import { spawn } from 'node:child_process'

/**
 * @typedef {object} RunResult
 * @property {number | null} code Exit code; null when a signal (the deadline) ended it.
 * @property {string} output stdout and stderr, interleaved as they arrived.
 */

/**
 * Runs `command args` in `cwd`. Resolves with the exit code and output, never rejects on a
 * failing command (the caller decides what a failure means); kills the process group when
 * `timeoutMs` passes, so a hung build cannot hold the test command.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} options
 * @returns {Promise<RunResult>}
 */
export function run(command, args, { cwd, env, timeoutMs = 300_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => {
      output += `\n[timed out after ${timeoutMs} ms]`
      if (child.pid) process.kill(-child.pid, 'SIGKILL')
    }, timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

/**
 * Like {@link run}, but throws with the command's output when it does not exit 0.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} options
 */
export async function runOk(command, args, options) {
  const result = await run(command, args, options)
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.output}`)
  }
  return result.output
}
