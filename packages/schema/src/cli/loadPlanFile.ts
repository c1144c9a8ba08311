import { readFile } from 'node:fs/promises'
import { readPlanFile, type PlanFile, type PlanFileResult } from '../planFile'

/** A plan file read from disk: what {@link readPlanFile} made of it, and the file itself. */
export interface LoadedPlanFile extends PlanFileResult {
  /** The parsed file, when it parsed. */
  readonly file?: PlanFile
}

/**
 * Reads and checks a plan file: JSON, or YAML (`.yaml`/`.yml`) when the `yaml` package is
 * installed. A file that cannot be read or parsed is one error, never a throw.
 *
 * @param path - The plan file.
 */
export async function loadPlanFile(path: string): Promise<LoadedPlanFile> {
  const failed = (message: string): LoadedPlanFile => ({
    problems: [{ severity: 'error', path: '', message }],
  })
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    return failed(`cannot read ${path}: ${(error as Error).message}`)
  }
  let value: unknown
  try {
    value = /\.ya?ml$/i.test(path) ? await parseYaml(text) : JSON.parse(text)
  } catch (error) {
    return failed(
      `${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    )
  }
  return { ...readPlanFile(value), file: value as PlanFile }
}

// YAML is optional: JSON plans need nothing more, and @trackpoint/schema stays dependency-free
// for the browser SDKs that depend on it.
async function parseYaml(text: string): Promise<unknown> {
  let yaml: { parse(text: string): unknown }
  try {
    yaml = (await import(/* @vite-ignore */ 'yaml' as string)) as typeof yaml
  } catch {
    throw new Error('reading YAML plans needs the yaml package: npm install --save-dev yaml')
  }
  return yaml.parse(text)
}
