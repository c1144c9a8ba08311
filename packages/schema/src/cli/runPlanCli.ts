import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { diffPlans, type PlanChange } from '../diffPlans'
import type { PlanProblem } from '../planProblems'
import { planTypes } from '../planTypes'
import { loadPlanFile } from './loadPlanFile'

/** Where the CLI writes. */
export interface CliOutput {
  out(line: string): void
  err(line: string): void
}

/** Exit codes of `trackpoint-plan`. */
export const EXIT = {
  ok: 0,
  /** `check`: the plan has errors (or warnings with --strict); `diff`: breaking changes. */
  failed: 1,
  /** Wrong arguments, or a file that cannot be read or parsed. */
  usage: 2,
} as const

const USAGE = `Usage: trackpoint-plan <command> [options]

Commands:
  check <plan>                 check a plan file: shape, §八 naming, forbidden keys
      --strict                 fail on warnings too
  types <plan> [--out <file>]  write the EventProperties augmentation (stdout without --out)
  diff <old> <new>             list what changed; exit 1 on breaking changes
      --allow-breaking         report breaking changes but exit 0
  --json                       machine-readable output (check, diff)

Plans are JSON, or YAML with the yaml package installed. See docs/tracking-plan.md.`

const problemLine = (file: string, p: PlanProblem) =>
  `${file}${p.path ? `: ${p.path}` : ''}: ${p.severity}: ${p.message}`

/**
 * Runs `trackpoint-plan` with `args` (without `node` and the script) and returns its exit
 * code. Every failure is a message and a code, never a throw.
 *
 * @param args - The command line.
 * @param io - Where lines go.
 */
export async function runPlanCli(args: readonly string[], io: CliOutput): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (error) {
    io.err(`trackpoint-plan: ${(error as Error).message}\n\n${USAGE}`)
    return EXIT.usage
  }
  const { values, positionals } = parsed
  const [command, ...files] = positionals
  const need = (count: number) => {
    if (files.length === count) return true
    io.err(`trackpoint-plan ${command}: expects ${count} file${count > 1 ? 's' : ''}\n\n${USAGE}`)
    return false
  }
  switch (command) {
    case 'check': {
      if (!need(1)) return EXIT.usage
      const loaded = await loadPlanFile(files[0]!)
      if (values.json) io.out(JSON.stringify({ problems: loaded.problems }, null, 2))
      else for (const p of loaded.problems) io.err(problemLine(files[0]!, p))
      const errors = loaded.problems.filter((p) => p.severity === 'error').length
      const warnings = loaded.problems.length - errors
      if (!loaded.file && errors) return EXIT.usage
      if (!values.json) {
        io.out(
          errors
            ? `${files[0]}: ${errors} error(s), ${warnings} warning(s)`
            : `${files[0]}: plan version ${loaded.plan!.version} is valid${warnings ? ` (${warnings} warning(s))` : ''}`,
        )
      }
      return errors || (values.strict && warnings) ? EXIT.failed : EXIT.ok
    }
    case 'types': {
      if (!need(1)) return EXIT.usage
      const loaded = await loadPlanFile(files[0]!)
      if (!loaded.plan) {
        for (const p of loaded.problems) io.err(problemLine(files[0]!, p))
        io.err(`trackpoint-plan types: fix the plan first (trackpoint-plan check ${files[0]})`)
        return EXIT.usage
      }
      const text = planTypes(loaded.file!, files[0]!)
      if (!values.out) {
        io.out(text)
        return EXIT.ok
      }
      try {
        await mkdir(dirname(values.out), { recursive: true })
        await writeFile(values.out, text)
      } catch (error) {
        io.err(`trackpoint-plan types: cannot write ${values.out}: ${(error as Error).message}`)
        return EXIT.usage
      }
      io.out(`wrote ${values.out}`)
      return EXIT.ok
    }
    case 'diff': {
      if (!need(2)) return EXIT.usage
      const [before, after] = await Promise.all(files.map((file) => loadPlanFile(file)))
      for (const [file, loaded] of [
        [files[0]!, before!],
        [files[1]!, after!],
      ] as const) {
        if (!loaded.plan) {
          for (const p of loaded.problems) io.err(problemLine(file, p))
          io.err(`trackpoint-plan diff: ${file} has errors; fix them first`)
          return EXIT.usage
        }
      }
      const changes = diffPlans(before!.plan!, after!.plan!)
      const breaking = changes.filter((change) => change.breaking)
      if (values.json) io.out(JSON.stringify({ changes }, null, 2))
      else {
        for (const change of changes) io.out(changeLine(change))
        io.out(
          changes.length
            ? `${changes.length} change(s), ${breaking.length} breaking`
            : 'no changes',
        )
        if (breaking.length && !values['allow-breaking']) {
          io.err(
            'breaking changes: events valid before are refused after, or data reports use disappears; pass --allow-breaking once the apps that send them are updated',
          )
        }
      }
      return breaking.length && !values['allow-breaking'] ? EXIT.failed : EXIT.ok
    }
    case undefined:
    case 'help':
      io.out(USAGE)
      return command ? EXIT.ok : EXIT.usage
    default:
      io.err(`trackpoint-plan: unknown command "${command}"\n\n${USAGE}`)
      return EXIT.usage
  }
}

const changeLine = (change: PlanChange) =>
  `${change.breaking ? 'BREAKING ' : ''}${change.kind}: ${change.message}`

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      strict: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'allow-breaking': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  })
}
