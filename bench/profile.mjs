// Reads a V8 CPU profile (CDP Profiler.stop) into self time per function and per source module.
import { readFile } from 'node:fs/promises'

/**
 * Line → module table of an unminified esbuild bundle, from the `// path/to/module.js` comment
 * esbuild writes before each module's code.
 */
export async function moduleTable(file) {
  const lines = (await readFile(file, 'utf8')).split('\n')
  const starts = []
  lines.forEach((line, i) => {
    const m = /^\s*\/\/ ((?:node_modules|packages|bench)\/\S+)$/.exec(line)
    if (m) starts.push({ line: i, module: m[1].replace(/^node_modules\//, '') })
  })
  return (line) => {
    let found = '(bundle)'
    for (const s of starts) {
      if (s.line > line) break
      found = s.module
    }
    return found
  }
}

const baseName = (url) => (url ? url.slice(url.lastIndexOf('/') + 1) : '')

/** Adds `us` to the entry `key` of `map`, creating it with `init()`. */
const add = (map, key, init, us) => {
  const entry = map.get(key) ?? init()
  entry.us += us
  map.set(key, entry)
}

/** Self time per function and per module (ms), largest first. */
function tally(samples) {
  const byFunction = new Map()
  const byModule = new Map()
  let total = 0
  for (const { frame, module, us } of samples) {
    total += us
    const name = frame.functionName || '(anonymous)'
    const where = frame.url ? `${baseName(frame.url)}:${frame.lineNumber + 1}` : ''
    add(byFunction, `${name}\u0000${where}`, () => ({ name, where, module, us: 0 }), us)
    add(byModule, module, () => ({ module, us: 0 }), us)
  }
  const rows = (map) =>
    [...map.values()]
      .sort((a, b) => b.us - a.us)
      .map(({ us, ...rest }) => ({ ...rest, selfMs: us / 1000, share: us / total }))
  return { totalMs: total / 1000, functions: rows(byFunction), modules: rows(byModule) }
}

/**
 * Self time of a profile, split in two: samples with the harness's `loop` function on the stack
 * (inside track(), synchronous) and the rest (deferred work). `(idle)` is left out.
 * `moduleOf(url, line)` names the source module of a frame.
 */
export function splitSelfTimes(profile, moduleOf, isLoop) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const inLoop = new Map()
  const underLoop = (id) => {
    if (inLoop.has(id)) return inLoop.get(id)
    const p = parent.get(id)
    const v = isLoop(nodes.get(id).callFrame) || (p !== undefined && underLoop(p))
    inLoop.set(id, v)
    return v
  }
  const sync = []
  const deferred = []
  const { samples, timeDeltas } = profile
  for (let k = 0; k < samples.length; k++) {
    // timeDeltas[k] is the time since the previous sample; sample k lasts until the next one.
    const us = timeDeltas[k + 1] ?? 0
    const frame = nodes.get(samples[k]).callFrame
    if (frame.functionName === '(idle)') continue
    const sample = { frame, module: moduleOf(frame.url, frame.lineNumber), us }
    ;(underLoop(samples[k]) ? sync : deferred).push(sample)
  }
  return { sync: tally(sync), deferred: tally(deferred) }
}
