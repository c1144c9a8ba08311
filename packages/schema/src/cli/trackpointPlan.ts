// The `trackpoint-plan` bin of @trackpoint/schema.
import { runPlanCli } from './runPlanCli'

runPlanCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`trackpoint-plan: ${String(error)}\n`)
    process.exitCode = 2
  },
)
