import { Admin } from '@platformatic/kafka'
import type { Logger } from '../http/logger'
import { describeKafkaError, settleWithin, withTimeout } from './kafkaClientConfig'

/** What {@link ensureTopic} creates when the topic is missing. */
export interface TopicSpec {
  /** The topic's name. */
  topic: string
  /** What the topic is for, in log lines ("tracking plan", "refusal tallies"). */
  purpose: string
  /** @default 1 */
  partitions?: number
  /** Topic configs, such as `cleanup.policy` or `retention.ms`. @default none */
  configs?: Record<string, string>
}

/**
 * Creates a small topic of the server's own when it is missing (the events topic is created by
 * the operator: docs/server.md). Never rejects: a broker away or a race with another process
 * creating it at the same time is logged (the race silently), and the topic's reader or writer
 * reports a topic still missing.
 *
 * @returns Whether the topic exists now (so a caller may try again later when not).
 * @param brokers - Bootstrap brokers, `host:port`.
 * @param spec - The topic and how to create it.
 * @param logger - Where creation and failures are logged.
 */
export async function ensureTopic(
  brokers: string[],
  spec: TopicSpec,
  logger: Logger,
): Promise<boolean> {
  const admin = new Admin({
    clientId: 'trackpoint-topic-admin',
    bootstrapBrokers: brokers,
    retries: 2,
  })
  try {
    const topics = await withTimeout(admin.listTopics(), 10_000, 'no topic list')
    if (topics.includes(spec.topic)) return true
    await withTimeout(
      admin.createTopics({
        topics: [spec.topic],
        partitions: spec.partitions ?? 1,
        replicas: 1,
        configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
      }),
      10_000,
      'topic not created',
    )
    logger.info({ msg: `created the ${spec.purpose} topic`, topic: spec.topic })
    return true
  } catch (error) {
    // Another process may have created it meanwhile.
    if (/already exists/i.test(describeKafkaError(error))) return true
    logger.error({
      msg: `could not create the ${spec.purpose} topic`,
      topic: spec.topic,
      error: describeKafkaError(error),
    })
    return false
  } finally {
    await settleWithin(admin.close(), 5000)
  }
}
