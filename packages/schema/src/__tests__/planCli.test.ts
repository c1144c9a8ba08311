import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPlanCli } from '../cli/runPlanCli'

const ROOT = join(__dirname, '../../../..')
const EXAMPLE = join(ROOT, 'examples/shared/tracking-plan.json')
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trackpoint-plan-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function run(...args: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runPlanCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}
const write = async (name: string, value: unknown) => {
  const path = join(dir, name)
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value))
  return path
}

describe('trackpoint-plan check', () => {
  it('passes the example plan (the built bin, as `npx trackpoint-plan` runs it)', async () => {
    const bin = join(ROOT, 'packages/schema/dist/cli.mjs')
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'check', EXAMPLE])
    expect(stdout).toContain('plan version 2 is valid')
  })

  it('exits 1 and lists each error with the file and path', async () => {
    const path = await write('bad.json', { version: 1, events: { walletConnect: {} } })
    const result = await run('check', path)
    expect(result.code).toBe(1)
    expect(result.err).toContain(
      `${path}: events.walletConnect: error: event name "walletConnect" must be lower_snake_case`,
    )
    expect(result.err).toContain('needs an owner')
    expect(result.out).toMatch(/\d+ error\(s\), 0 warning\(s\)/)
  })

  it('passes warnings unless --strict', async () => {
    const path = await write('warn.json', {
      version: 1,
      events: {
        wallet_connect: {
          description: 'd',
          owner: 'web',
          version: 1,
          fields: { connected: { type: 'boolean', description: 'x' } },
        },
      },
    })
    expect((await run('check', path)).code).toBe(0)
    const strict = await run('check', '--strict', path)
    expect(strict.code).toBe(1)
    expect(strict.err).toContain('warning: boolean field "connected" should start with is_ or has_')
  })

  it.each([
    ['a missing file', 'missing.json', /cannot read/],
    ['a file that is not JSON', 'broken.json', /is not valid JSON/],
  ])('exits 2 for %s', async (_, name, message) => {
    if (name === 'broken.json') await write(name, '{"version": 1,')
    const result = await run('check', join(dir, name))
    expect(result.code).toBe(2)
    expect(result.err).toMatch(message)
  })

  it('reads YAML plans', async () => {
    const path = await write(
      'plan.yaml',
      'version: 1\nevents:\n  wallet_connect:\n    description: Connected.\n    owner: web\n    version: 1\n    fields: {}\n',
    )
    expect((await run('check', path)).out).toContain('plan version 1 is valid')
  })

  it('exits 2 on wrong arguments, with the usage', async () => {
    expect(await run('check')).toMatchObject({ code: 2, err: expect.stringContaining('Usage:') })
    expect(await run('lint', EXAMPLE)).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command'),
    })
    expect(await run('check', '--nope', EXAMPLE)).toMatchObject({ code: 2 })
  })
})

describe('trackpoint-plan diff', () => {
  it('exits 1 on a breaking change, 0 with --allow-breaking, and prints every change', async () => {
    const before = await write('before.json', {
      version: 1,
      events: {
        wallet_connect: {
          description: 'd',
          owner: 'web',
          version: 1,
          fields: { chain_id: { type: 'number', description: 'x' } },
        },
      },
    })
    const breaking = await run('diff', before, EXAMPLE)
    expect(breaking.code).toBe(1)
    expect(breaking.out).toContain(
      'BREAKING field_added: field "wallet_type" of "wallet_connect" added as required',
    )
    expect(breaking.out).toContain(
      'BREAKING type_narrowed: field "chain_id" of "wallet_connect": number → integer ≥ 1',
    )
    expect(breaking.out).toContain('field_added: field "experiment" of "page_view" added')
    expect(breaking.err).toContain('--allow-breaking')
    expect((await run('diff', '--allow-breaking', before, EXAMPLE)).code).toBe(0)
    expect((await run('diff', EXAMPLE, EXAMPLE)).out).toBe('no changes')
    const json = JSON.parse((await run('diff', '--json', before, EXAMPLE)).out)
    expect(json.changes.filter((c: { breaking: boolean }) => c.breaking)).toHaveLength(2)
  })
})

describe('trackpoint-plan types', () => {
  // Compiles a small app against the SDK's sources with the generated augmentation.
  function compile(app: string, typesFile: string) {
    const appFile = join(dir, 'app.ts')
    const host = ts.createCompilerHost({})
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: [],
      noUnusedLocals: true,
      skipLibCheck: false,
      paths: {
        '@trackpoint/schema': [join(ROOT, 'packages/schema/src/index.ts')],
        '@trackpoint/core': [join(ROOT, 'packages/core/src/index.ts')],
      },
    }
    const readFile = host.readFile
    host.readFile = (name) => (name === appFile ? app : readFile(name))
    const program = ts.createProgram([appFile, typesFile], options, host)
    return ts.getPreEmitDiagnostics(program).map((d) => ({
      file: d.file?.fileName,
      line:
        d.file && d.start !== undefined
          ? d.file.getLineAndCharacterOfPosition(d.start).line + 1
          : 0,
      code: d.code,
      text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }))
  }

  it('writes an augmentation that lets an app track the new event and makes typos compile errors', async () => {
    const typesFile = join(dir, 'types/trackpoint-plan.d.ts')
    const written = await run('types', EXAMPLE, '--out', typesFile)
    expect(written).toMatchObject({ code: 0, out: `wrote ${typesFile}` })
    const app = [
      "import { createTracker } from '@trackpoint/core'",
      "const t = createTracker({ endpoint: 'https://c.example.com', appId: 'a', secret: 's' })",
      "t.track('wallet_connect', { wallet_type: 'okx_wallet', chain_id: 56, is_first_connect: true })",
      "t.track('page_view', { page_name: 'home', experiment: 'b' })",
      "t.track('walet_connect', { wallet_type: 'okx_wallet' })",
      "t.track('wallet_connect', { chain_id: 1 })",
      "t.track('wallet_connect', { wallet_type: 'phantom' })",
      '',
    ].join('\n')
    const errors = compile(app, typesFile)
    expect(
      errors.filter((e) => e.file !== join(dir, 'app.ts')),
      JSON.stringify(errors),
    ).toEqual([])
    expect(errors.map((e) => e.line)).toEqual([5, 6, 7])
    expect(errors[0]!.text).toContain('"walet_connect"')
    expect(errors[1]!.text).toContain('wallet_type')
    expect(errors[2]!.text).toContain('"phantom"')
  }, 60_000)

  it('refuses to write types for a plan with errors', async () => {
    const path = await write('bad-types.json', { version: 1, events: { x: {} } })
    const result = await run('types', path)
    expect(result.code).toBe(2)
    expect(result.err).toContain('fix the plan first')
  })
})
