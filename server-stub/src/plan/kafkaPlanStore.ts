import { randomUUID } from 'node:crypto'
import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka'
import { ensureTopic } from '../bus/ensureTopic'
import { followTopic } from '../bus/followTopic'
import {
  closeKafkaClient,
  describeKafkaError,
  parseKafkaBrokers,
  sleep,
  withTimeout,
} from '../bus/kafkaClientConfig'
import type { RawMessage } from '../bus/kafkaDeadLetters'
import { HttpError } from '../http/httpError'
import type { Logger } from '../http/logger'
import { BUILT_IN_PLAN, fromPlanRecord, toPlanRecord, type InstalledPlan } from './installedPlan'
import { createSerialQueue, type PlanStore } from './planStore'

/** The topic that carries installed plans to every process. */
export const PLAN_TOPIC = 'tracking_plan'

/** Options of {@link createKafkaPlanStore}. */
export interface KafkaPlanStoreOptions {
  /** Bootstrap brokers, as `KAFKA_BROKERS`. */
  brokers: string[] | string
  /** @default 'tracking_plan' (`TRACKPOINT_PLAN_TOPIC`) */
  topic?: string
  logger: Logger
  /**
   * How long the start waits to have read the topic to its end. Past it the process starts on
   * the built-in plan (a broker away must not keep the roles down) and takes the plan when the
   * topic is read; installs wait for that.
   * @default 10000
   */
  readyTimeoutMs?: number
  /** How long an install waits for the broker and then to read its record back. @default 15000 */
  installTimeoutMs?: number
}

/** The record's key: unique per install, so that compaction never removes an install. */
const keyOf = (installed: InstalledPlan) => installed.install_id ?? 'built-in'

/**
 * The scaled plan store: each install is one record of a one-partition topic
 * (`tracking_plan`), and every process reads the topic from its start and follows it, so a
 * plan installed through any process is in force in all of them within about a second. The
 * plan in force is the one with the highest version; of two installs of one version (two
 * admins at once, through two processes) the first in the topic wins everywhere, and the
 * second's PUT is answered 409. The topic is compacted: no retention time ever deletes a plan,
 * and since every record has its own key, compaction removes none, which keeps the
 * first-wins rule true after compaction too. The topic is created when missing.
 *
 * Each process reads with a consumer group of its own that never commits: every process needs
 * every record, from the start, each time it starts.
 */
export async function createKafkaPlanStore(options: KafkaPlanStoreOptions): Promise<PlanStore> {
  const brokers = parseKafkaBrokers(options.brokers)
  const topic = options.topic ?? PLAN_TOPIC
  const { logger } = options
  const installTimeoutMs = options.installTimeoutMs ?? 15_000
  let current: InstalledPlan = BUILT_IN_PLAN
  const stopSignal = new AbortController()
  /** Installs waiting to read their own record back, by install id. */
  const waiting = new Map<string, () => void>()
  let markCaughtUp: () => void = () => undefined
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve))
  let isCaughtUp = false
  const setCaughtUp = () => {
    isCaughtUp = true
    markCaughtUp()
  }

  const apply = (message: RawMessage) => {
    let stored: InstalledPlan | string
    try {
      stored = fromPlanRecord(JSON.parse(message.value?.toString('utf8') ?? ''))
    } catch (error) {
      stored = `not JSON: ${(error as Error).message}`
    }
    if (typeof stored === 'string') {
      // A corrupt record is skipped and reported; the plans around it still apply.
      logger.error({
        msg: 'unreadable tracking plan record skipped',
        topic,
        offset: String(message.offset),
        why: stored,
      })
      return
    }
    if (stored.version > current.version) {
      current = stored
      logger.info({
        msg: 'tracking plan in force',
        version: stored.version,
        installed_by: stored.installed_by,
      })
    }
    if (stored.install_id) waiting.get(stored.install_id)?.()
  }

  // Compacted, one partition: no retention time deletes a plan, and one order decides.
  await ensureTopic(
    brokers,
    { topic, purpose: 'tracking plan', configs: { 'cleanup.policy': 'compact' } },
    logger,
  )

  /** The topic's end offset when the reader last joined: read up to it, the plan is known. */
  let end = 0n
  // Every process reads every record from the start, for as long as the store is open.
  const following = followTopic({
    brokers,
    topic,
    clientId: 'trackpoint-plan-reader',
    groupPrefix: 'trackpoint-plan',
    name: 'tracking plan reader',
    logger,
    signal: stopSignal.signal,
    beforeJoin: async (consumer) => {
      const ends = await withTimeout(
        consumer.listOffsets({ topics: [topic] }),
        10_000,
        'no offsets answer',
      )
      end = ends.get(topic)?.[0] ?? 0n
      if (end === 0n) setCaughtUp()
    },
    onMessage: (message) => {
      apply(message)
      if (message.offset + 1n >= end) setCaughtUp()
    },
  })

  const waitLimit = new AbortController()
  const ready = await Promise.race([
    caughtUp.then(() => true),
    sleep(options.readyTimeoutMs ?? 10_000, waitLimit.signal).then(() => false),
  ])
  waitLimit.abort()
  if (!ready)
    logger.error({ msg: 'tracking plan topic not read yet; starting on the built-in plan', topic })

  let producer: Producer<string, string, string, string> | undefined
  const serial = createSerialQueue()
  return {
    current: () => current,
    known: () => isCaughtUp,
    install: (prepare) =>
      serial(async () => {
        if (!isCaughtUp) {
          throw new HttpError(
            503,
            `the plan topic ${topic} has not been read yet; retry later`,
            'plan_unavailable',
            5,
          )
        }
        const prepared = prepare(current)
        const id = prepared.installed.install_id ?? randomUUID()
        const installed = { ...prepared.installed, install_id: id }
        const seen = new Promise<void>((resolve) => waiting.set(id, resolve))
        try {
          producer ??= new Producer({
            clientId: 'trackpoint-plan-writer',
            bootstrapBrokers: brokers,
            serializers: stringSerializers,
            acks: ProduceAcks.ALL,
            retries: 3,
            retryDelay: 250,
          })
          await withTimeout(
            producer.send({
              messages: [
                { topic, key: keyOf(installed), value: JSON.stringify(toPlanRecord(installed)) },
              ],
            }),
            installTimeoutMs,
            'the plan topic did not acknowledge',
          )
          // In force once this process read it back: then the topic's order has decided.
          await withTimeout(seen, installTimeoutMs, 'the installed plan was not read back')
        } catch (error) {
          logger.error({ msg: 'tracking plan install failed', error: describeKafkaError(error) })
          throw new HttpError(
            503,
            `the plan could not be written to ${topic}; GET /api/plan shows whether it is in force`,
            'plan_unavailable',
            5,
          )
        } finally {
          waiting.delete(id)
        }
        if (current.install_id !== id) {
          throw new HttpError(
            409,
            `version ${installed.version} was installed at the same time by ${current.installed_by ?? 'another process'}; GET /api/plan, then install a higher version`,
            'version_not_higher',
            undefined,
            { current_version: current.version },
          )
        }
        return { ...prepared, installed }
      }),
    async close() {
      stopSignal.abort()
      await following
      await closeKafkaClient(producer)
    },
  }
}
