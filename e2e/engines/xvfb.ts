// A virtual X display for MiniBrowser, which has no headless mode. Started and stopped by the
// suite itself, on a display number Xvfb picks (-displayfd), so parallel runs never collide
// and nothing is left running.
import { spawn, type ChildProcess } from 'node:child_process'

/** A running Xvfb: `display` is the value for DISPLAY, e.g. `:99`. */
export interface Xvfb {
  display: string
  stop(): Promise<void>
}

/** Starts Xvfb on a free display; rejects when it does not come up within `timeoutMs`. */
export async function startXvfb(timeoutMs = 15_000): Promise<Xvfb> {
  const child: ChildProcess = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp', '-nolisten', 'unix'],
    // Abstract-namespace sockets stay: X clients on Linux reach :N through them.
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const display = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`Xvfb did not start in ${timeoutMs} ms`)),
      timeoutMs,
    )
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${error.message}\n${stderr}`))
    }
    let text = ''
    child.stdio[3]!.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes('\n')) {
        clearTimeout(timer)
        resolve(`:${text.trim()}`)
      }
    })
    child.once('error', fail)
    child.once('exit', (code) => fail(new Error(`Xvfb exited with ${code}`)))
  })
  return {
    display,
    stop: () => stopChild(child),
  }
}

/** SIGTERM, then SIGKILL if the process is still there after 5 s; resolves once it exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
