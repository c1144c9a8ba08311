// Load generator of bench/server.mjs, run in its own process (child_process.fork) so that its
// CPU is not the collector's event loop. It receives one job per message and answers with the
// result; every job is bounded in time and stops by itself.
//   { mode: 'closed', url, concurrency, durationMs }  as many requests as `concurrency` allows
//   { mode: 'open', url, ratePerSec, durationMs }     requests started on a fixed schedule
// Bodies are signed batches of 50 events (BATCH) for the development app; event ids are unique.
import { fork } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'

export const APP_ID = 'dev_app'
export const APP_SECRET = 'dev_secret'
export const BATCH = 50
/** A request that takes longer than this counts as an error ('timeout'). */
const REQUEST_TIMEOUT_MS = 10_000

/** `{app_id, timestamp, sign}` signed as §五 asks; valid ±5 min, so it is renewed each minute. */
export function signature(now = Date.now()) {
  const timestamp = now
  const sign = createHash('md5').update(`${APP_ID}${timestamp}${APP_SECRET}`).digest('hex')
  return { app_id: APP_ID, timestamp, sign }
}

let signed = signature()
let signedAt = Date.now()
const currentSignature = () => {
  if (Date.now() - signedAt > 60_000) {
    signed = signature()
    signedAt = Date.now()
  }
  return signed
}

// Unique event ids without a randomUUID per event: a random 20-hex prefix and a 12-hex counter.
const idPrefix = randomUUID().slice(0, 24)
let counter = 0
const nextId = () => idPrefix + (counter++).toString(16).padStart(12, '0')

/** One signed body of `BATCH` events (recommend_impression / click, 1,000 deliveries). */
export function batchBody(events = BATCH, deliveryOf = (i) => `bench_d${i % 1000}`) {
  const now = Date.now()
  const list = []
  for (let i = 0; i < events; i++) {
    const n = counter
    list.push({
      event_id: nextId(),
      event_name: n % 10 === 0 ? 'recommend_click' : 'recommend_impression',
      user_id: `bench_u${n % 100_000}`,
      timestamp: now,
      platform: 'web',
      page: '/home',
      session_id: `bench_s${n % 5000}`,
      properties: { delivery_id: deliveryOf(n), content_type: 'article' },
    })
  }
  return JSON.stringify({ ...currentSignature(), sdk_version: 'bench', events: list })
}

/** POSTs one body; resolves `{ status, ms }` (status 'timeout' or 'error:CODE' on failure). */
export function post(agent, url, body) {
  return new Promise((resolve) => {
    const start = performance.now()
    const done = (status) => resolve({ status, ms: performance.now() - start })
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        res.on('data', () => {})
        res.on('end', () => done(res.statusCode))
        res.on('error', () => done('error:response'))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err) => done(err.message === 'timeout' ? 'timeout' : `error:${err.code}`))
    req.end(body)
  })
}

/** Runs one job; returns counts by status, the latencies of 2xx answers and the window. */
export async function runJob(job) {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency ?? 256 })
  const url = `${job.url}/api/v1/track`
  const statuses = {}
  const latencies = []
  let acknowledgedEvents = 0
  let maxInFlight = 0
  let inFlight = 0
  const one = async () => {
    const body = batchBody()
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const { status, ms } = await post(agent, url, body)
    inFlight--
    statuses[status] = (statuses[status] ?? 0) + 1
    if (typeof status === 'number' && status >= 200 && status < 300) {
      latencies.push(ms)
      acknowledgedEvents += BATCH
    }
  }
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  const end = start + job.durationMs
  let sent = 0
  let late = 0
  if (job.mode === 'closed') {
    const worker = async () => {
      while (performance.now() < end) {
        sent++
        await one()
      }
    }
    await Promise.all(Array.from({ length: job.concurrency }, worker))
  } else if (job.mode === 'open') {
    // Open loop: request k is due at start + k / rate whatever happened to earlier ones, so a
    // slow answer makes later requests wait in the queue and that wait is in their latency
    // (measured from the send; `late` counts sends more than 5 ms behind their schedule).
    const interval = 1000 / job.ratePerSec
    const total = Math.floor(job.durationMs / interval)
    const pending = []
    for (let k = 0; k < total; k++) {
      const due = start + k * interval
      const wait = due - performance.now()
      if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      if (performance.now() - due > 5) late++
      sent++
      pending.push(one())
    }
    await Promise.all(pending)
  } else {
    throw new Error(`unknown mode ${job.mode}`)
  }
  const wallMs = performance.now() - start
  const cpu = process.cpuUsage(cpuBefore)
  agent.destroy()
  return {
    sent,
    late,
    statuses,
    acknowledgedEvents,
    maxInFlight,
    wallMs,
    loadCpuMs: (cpu.user + cpu.system) / 1000,
    latencies,
  }
}

/**
 * Events per second one core can `JSON.parse` from the bodies the load sends (signed batches of
 * `BATCH` events), over `ms`: the cost no collector can go below, whatever its HTTP stack. The
 * collector's acknowledged events/s divided by this is a throughput that a busier or quieter
 * machine moves less than the raw number, so a change of stack can be judged by it.
 */
export function parseCeiling(ms = 3000) {
  const bodies = Array.from({ length: 200 }, () => batchBody())
  let events = 0
  const t0 = performance.now()
  while (performance.now() - t0 < ms) {
    for (const body of bodies) events += JSON.parse(body).events.length
  }
  return events / ((performance.now() - t0) / 1000)
}

/**
 * Starts this file as the load process; `job(msg)` runs one job in it. `onCleanup` receives
 * the function that ends it.
 */
export function forkLoad(onCleanup) {
  const child = fork(fileURLToPath(import.meta.url), [], { stdio: 'inherit' })
  onCleanup(async () => child.connected && child.kill())
  let waiting
  child.on('message', (msg) => waiting?.(msg))
  child.on('exit', (code) => waiting?.({ ok: false, error: `load process exited (${code})` }))
  const job = (msg) =>
    new Promise((resolve, reject) => {
      waiting = (answer) => {
        waiting = undefined
        if (answer.ok) resolve(answer.result)
        else reject(new Error(`load generator: ${answer.error}`))
      }
      child.send(msg)
    })
  return { pid: child.pid, job }
}

if (process.send) {
  process.on('message', (job) => {
    runJob(job).then(
      (result) => process.send({ ok: true, result }),
      (err) => process.send({ ok: false, error: String(err?.stack ?? err) }),
    )
  })
  process.on('disconnect', () => process.exit(0))
}
