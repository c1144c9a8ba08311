import { readFile } from 'node:fs/promises'
import { ConfigError } from '../config'

/**
 * Reads the plan file of `TRACKPOINT_PLAN`: JSON, or YAML (`.yaml`/`.yml`) when the `yaml`
 * package is installed. Only parses: the checks are the install's (`preparePlanInstall`).
 *
 * @throws ConfigError when the file cannot be read or parsed, saying how to fix it.
 */
export async function loadPlanPath(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(
      `TRACKPOINT_PLAN: cannot read ${path} (${(error as Error).message}); point it at your tracking-plan.json`,
    )
  }
  const yaml = /\.ya?ml$/i.test(path)
  try {
    return yaml ? (await importYaml()).parse(text) : JSON.parse(text)
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(
      `TRACKPOINT_PLAN: ${path} is not valid ${yaml ? 'YAML' : 'JSON'} (${(error as Error).message}); npx trackpoint-plan check ${path} shows where`,
    )
  }
}

// YAML is optional, as for the trackpoint-plan CLI: JSON plans need nothing more.
async function importYaml(): Promise<{ parse(text: string): unknown }> {
  try {
    return (await import('yaml' as string)) as { parse(text: string): unknown }
  } catch {
    throw new ConfigError(
      'TRACKPOINT_PLAN: reading a YAML plan needs the yaml package (npm install yaml), or use JSON',
    )
  }
}
