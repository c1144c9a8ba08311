import { join } from 'node:path'
import { readPlanFile } from '@trackpoint/schema'
import { Gauge, type Registry } from 'prom-client'
import { ConfigError, type Config } from '../config'
import { HttpError } from '../http/httpError'
import type { Logger } from '../http/logger'
import { createFilePlanStore } from './filePlanStore'
import { createKafkaPlanStore } from './kafkaPlanStore'
import { loadPlanPath } from './loadPlanPath'
import type { PlanStore } from './planStore'
import { preparePlanInstall } from './preparePlanInstall'

/** The file of the data dir that holds the plan installed in the embedded deployment. */
export const INSTALLED_PLAN_FILE = 'tracking-plan.installed.json'

/**
 * Reads and checks `TRACKPOINT_PLAN` (when set). Every role does, so that a plan with errors
 * stops any process of the deployment at start.
 *
 * @throws ConfigError listing every error of the file.
 */
export async function readConfiguredPlan(config: Config): Promise<unknown> {
  if (!config.planPath) return undefined
  const file = await loadPlanPath(config.planPath)
  const errors = readPlanFile(file).problems.filter((problem) => problem.severity === 'error')
  if (errors.length) {
    const lines = errors.map((problem) => `  ${problem.path || '(file)'}: ${problem.message}`)
    throw new ConfigError(
      `TRACKPOINT_PLAN: ${config.planPath} has ${errors.length} error(s):\n${lines.join('\n')}\nnpx trackpoint-plan check ${config.planPath} lists the same.`,
    )
  }
  return file
}

/** Options of {@link startPlanStore}. */
export interface StartPlanStoreOptions {
  config: Config
  /** The parsed `TRACKPOINT_PLAN` file, from {@link readConfiguredPlan}. */
  file: unknown
  logger: Logger
  /** Where `trackpoint_plan_version` goes. */
  registry: Registry
}

/**
 * Opens the plan store of the deployment — the `tracking_plan` topic with Kafka, a file of the
 * data dir without — and installs `TRACKPOINT_PLAN` when its version is higher than the
 * installed one. At start, breaking changes are let through (deploying the file is the
 * approval) and logged; a lower or equal version keeps the installed plan, also logged, so that
 * a plan installed through the API is not undone by a restart with an older file.
 */
export async function startPlanStore(options: StartPlanStoreOptions): Promise<PlanStore> {
  const { config, file, logger } = options
  const store = config.kafkaBrokers
    ? await createKafkaPlanStore({
        brokers: config.kafkaBrokers,
        topic: config.planTopic ?? 'tracking_plan',
        logger,
      })
    : await createFilePlanStore(join(config.dataDir, INSTALLED_PLAN_FILE), logger)
  if (file !== undefined) {
    try {
      const { installed, changes } = await store.install((current) =>
        preparePlanInstall(current, file, `TRACKPOINT_PLAN ${config.planPath}`, true),
      )
      logger.info({
        msg: 'tracking plan installed from TRACKPOINT_PLAN',
        version: installed.version,
        breaking: changes.filter((change) => change.breaking).map((change) => change.message),
      })
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      logger.info({
        msg: 'TRACKPOINT_PLAN not installed; the installed plan stays',
        installed_version: store.current().version,
        why: error.message,
      })
    }
  }
  new Gauge({
    name: 'trackpoint_plan_version',
    help: 'The version of the tracking plan this process follows (0: the built-in plan).',
    registers: [options.registry],
    collect() {
      this.set(store.current().version)
    },
  })
  return store
}
