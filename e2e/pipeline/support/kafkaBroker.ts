// A Kafka broker of a pipeline spec's own, started by scripts/kafka/start.sh on a port of the
// suite's range (23092–23099, never the shared 9092; below Linux's ephemeral ports, 32768 and
// up, so a process listening on port 0 cannot take it first — 39096 once was) with its data in
// a temp dir. The jars are
// the ones setup.sh fetched into the repository's .kafka/libs (KAFKA_LIBS), so nothing is
// downloaded per run. `kill()` is a real SIGKILL of the broker's JVM.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { repoRoot } from '../../support/site'
import { waitUntil } from './waitUntil'

const run = promisify(execFile)
const SCRIPTS = join(repoRoot, 'scripts/kafka')

/** A broker started by {@link startBroker}. */
export interface Broker {
  /** `127.0.0.1:<port>`, for `KAFKA_BROKERS`. */
  brokers: string
  /** SIGKILLs the broker's JVM and waits until it is gone. */
  kill(): Promise<void>
  /** Starts it again on the same port, keeping its data (what it had acknowledged). */
  restart(): Promise<void>
  /**
   * The lag of a consumer group as the broker holds it (end offset minus the group's committed
   * offset, summed over the topic's partitions), by Kafka's own ConsumerGroupCommand; `undefined`
   * while a partition has no committed offset.
   */
  groupLag(group: string): Promise<number | undefined>
  /** Sets topic configs (`key=value`), with Kafka's own ConfigCommand. */
  setTopicConfig(topic: string, configs: string[]): Promise<void>
  /** Ends it (SIGKILL: its data is deleted anyway, and a graceful stop takes seconds). */
  dispose(): Promise<void>
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Starts a single-node broker with the topics of scripts/kafka/start.sh on 127.0.0.1:`port`
 * (its controller on `port + 1`).
 */
export async function startBroker(port: number): Promise<Broker> {
  const dir = await mkdtemp(join(tmpdir(), `trackpoint-kafka-${port}-`))
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_DIR: dir,
    KAFKA_LIBS: process.env.KAFKA_LIBS ?? join(repoRoot, '.kafka/libs'),
  }
  const script = (name: string, extra: Record<string, string> = {}) =>
    run('bash', [join(SCRIPTS, name)], { env: { ...env, ...extra }, timeout: 120_000 })
  await script('start.sh')
  const pidFile = join(dir, `broker-${port}`, 'broker.pid')
  /** Runs one of Kafka's command-line tools with the broker's jars. */
  const tool = (args: string[]) =>
    run('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', `${env.KAFKA_LIBS}/*`, ...args], {
      timeout: 60_000,
    })
  return {
    brokers: `127.0.0.1:${port}`,
    async kill() {
      const pid = Number(await readFile(pidFile, 'utf8'))
      process.kill(pid, 'SIGKILL')
      await waitUntil(() => !alive(pid), { timeout: 30_000, what: `broker pid ${pid} to die` })
    },
    async groupLag(group) {
      const { stdout } = await tool([
        'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
        '--bootstrap-server',
        `127.0.0.1:${port}`,
        '--describe',
        '--group',
        group,
      ])
      // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG …, one row per partition.
      const rows = stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((cols) => cols[1] === 'tracking_events')
      if (rows.length === 0 || rows.some((cols) => !/^\d+$/.test(cols[5] ?? ''))) return undefined
      return rows.reduce((sum, cols) => sum + Number(cols[5]), 0)
    },
    async setTopicConfig(topic, configs) {
      await tool([
        'org.apache.kafka.tools.ConfigCommand',
        '--bootstrap-server',
        `127.0.0.1:${port}`,
        '--alter',
        '--entity-type',
        'topics',
        '--entity-name',
        topic,
        '--add-config',
        configs.join(','),
      ])
    },
    async restart() {
      await script('start.sh', { KAFKA_KEEP_DATA: '1' })
    },
    async dispose() {
      const pid = Number(await readFile(pidFile, 'utf8').catch(() => '0'))
      if (pid && alive(pid)) {
        process.kill(pid, 'SIGKILL')
        await waitUntil(() => !alive(pid), { timeout: 30_000, what: `broker pid ${pid} to die` })
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}
