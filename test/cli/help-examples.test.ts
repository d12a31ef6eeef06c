import { exec } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Command } from 'commander'
import pLimit from 'p-limit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { everyCommand, pathOf, sluiceProgram } from '../../cli/program'
import { localLake } from '../../cli/local/local-lake'
import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { metadataLocationOf } from '../../functions/core/table-format/iceberg/iceberg-table-input'

const REPO = resolve(import.meta.dirname, '../..')
const BIN = join(REPO, 'bin', 'sluice.js')

/** A command's whole --help, as the terminal shows it. */
function helpOf(command: Command): string {
  let text = ''
  command.configureOutput({ writeOut: (s) => (text += s) })
  command.outputHelp()
  return text
}

/** The example command lines of a help: each line under "Examples:" up to its description. */
function examplesOf(help: string): string[] {
  const section = help.split('\nExamples:\n')[1] ?? ''
  return section.split('\n').map((l) => l.trim().split(/\s{2,}/)[0]!).filter((l) => l !== '')
}

const program = sluiceProgram()
const helps = everyCommand(program).map((c) => ({ command: pathOf(c), help: helpOf(c) }))
const examples = [...new Set(helps.flatMap((h) => examplesOf(h.help)))]

/** Examples that cannot run here: they need AWS, or serve until interrupted. Their arguments are parsed instead. */
const parsedOnly = (line: string) => /^npx sluice aws /.test(line) || / --serve\b/.test(line)

/** The arguments after `npx sluice` of an example, split as sh does (double quotes only), up to a redirection. */
function argsOf(line: string): string[] {
  const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)
  const redirect = words.indexOf('>')
  return words.slice(2, redirect < 0 ? undefined : redirect)
}

/** The command the leading words of `args` name, e.g. `sluice aws status`. */
function commandOf(args: string[]): string {
  let command = program
  for (const w of args) {
    const sub = command.commands.find((c) => c.name() === w)
    if (!sub) break
    command = sub
  }
  return pathOf(command)
}

/** Parses `sluice <args>` with the real options, every action replaced by one that records which command would run. */
async function parse(args: string[]): Promise<string> {
  const parser = sluiceProgram()
  let ran = ''
  for (const c of everyCommand(parser)) c.action(() => void (ran = pathOf(c)))
  await parser.parseAsync(args, { from: 'user' })
  return ran
}

function sh(line: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = line.replace(/\bnpx sluice\b/g, `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`)
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'SLUICE_LAKE')), SLUICE_FROM_SOURCE: '1' }
  return new Promise((done) => {
    exec(command, { cwd, env }, (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }))
  })
}

/**
 * The folder the examples are typed in: ./lake loaded from the sample data, the sample data
 * itself, and the files the transform examples name. `quarantined` also holds
 * returns/returns-2024-06.csv, quarantined for a contract since fixed, as the retry examples
 * expect.
 */
let home: string
/** Whether the loaded lake's orders table is an Iceberg table, which has a history and reads --as-of. */
let icebergOrders: boolean
const template = (name: 'loaded' | 'quarantined') => join(home, name)

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'sluice-examples-'))
  const loaded = template('loaded')
  cpSync(join(REPO, 'sample-data'), join(loaded, 'lake', 'raw'), { recursive: true })
  cpSync(join(REPO, 'sample-data'), join(loaded, 'sample-data'), { recursive: true })
  const csv = readFileSync(join(REPO, 'sample-data', 'customers', 'customers.csv'))
  writeFileSync(join(loaded, 'data.csv'), csv)
  writeFileSync(join(loaded, 'data.csv.gz'), gzipSync(csv))
  writeFileSync(join(loaded, 'data.contract.json'), JSON.stringify({ columns: [{ name: 'customer_id', type: 'bigint', nullable: false }] }))
  expect((await sh('npx sluice run', loaded)).code).toBe(0)
  icebergOrders = metadataLocationOf(await realCatalog(localLake(join(loaded, 'lake')).catalog).getTable('sluice', 'orders')) !== undefined

  const quarantined = template('quarantined')
  cpSync(loaded, quarantined, { recursive: true })
  mkdirSync(join(quarantined, 'lake', 'raw', 'returns'))
  writeFileSync(join(quarantined, 'lake', 'raw', 'returns', 'returns-2024-06.csv'), 'return_id,order_id\n1,50001\n2,50002\n')
  const contract = join(quarantined, 'lake', 'raw', '_contracts', 'returns.json')
  writeFileSync(contract, JSON.stringify({ columns: [{ name: 'return_id', type: 'bigint' }, { name: 'reason', type: 'string', nullable: false }] }))
  const broken = await sh('npx sluice run --key returns/returns-2024-06.csv --output json', quarantined)
  expect(JSON.parse(broken.stdout)).toMatchObject({ files: [{ key: 'returns/returns-2024-06.csv', outcome: 'quarantined' }] })
  rmSync(contract)
}, 240_000)

afterAll(() => {
  rmSync(home, { recursive: true, force: true })
})

describe('the examples of every --help', () => {
  it('are there, in every command', () => {
    for (const { command, help } of helps) expect(examplesOf(help).length, command).toBeGreaterThan(0)
  })

  it('run, each in a copy of a loaded lake', async () => {
    // Act: two at a time; each in a fresh copy of its folder.
    const limit = pLimit(2)
    const local = examples.filter((e) => !parsedOnly(e))
    const results = await Promise.all(local.map((line, i) => limit(async () => {
      const cwd = join(home, `example-${i}`)
      cpSync(template(/^npx sluice retry /.test(line) ? 'quarantined' : 'loaded'), cwd, { recursive: true })
      return { line, ...(await sh(line, cwd)) }
    })))

    // Assess: `drop` without --yes asks first, and without a terminal refuses, as its help says.
    // A Hive table has no history and no earlier state; an Iceberg one loaded now has no 2024 snapshot.
    expect(local.length).toBeGreaterThan(25)
    for (const r of results) {
      if (r.line === 'npx sluice drop orders') {
        expect(r, r.line).toMatchObject({ code: 2, stderr: expect.stringMatching(/^sluice drop: would remove .*; pass --yes to confirm without a terminal\n/) })
      } else if (!icebergOrders && /^npx sluice history orders\b/.test(r.line)) {
        expect(r, r.line).toMatchObject({ code: 1, stderr: 'sluice history: orders is a Hive table, which keeps no snapshots; history needs an Iceberg table\n' })
      } else if (!icebergOrders && / --as-of /.test(r.line)) {
        expect(r, r.line).toMatchObject({ code: 2, stderr: expect.stringMatching(/^sluice query: orders is a Hive table; --as-of reads Iceberg tables only\n/) })
      } else if (icebergOrders && / --as-of 2024-/.test(r.line)) {
        expect(r, r.line).toMatchObject({ code: 1, stderr: expect.stringMatching(/^sluice query: iceberg: orders has no snapshot as of 2024-.*; its earliest retained snapshot is \d+ at /) })
      } else {
        expect({ line: r.line, code: r.code }, r.stderr).toEqual({ line: r.line, code: 0 })
      }
    }
  }, 600_000)

  it('parse with the real options where they need AWS or serve until interrupted', async () => {
    // Prepare: the example the help of `aws status` once gave, with --json.
    const lines = [...examples.filter(parsedOnly), 'npx sluice aws status --json']

    // Act
    const ran = await Promise.all(lines.map((line) => parse(argsOf(line))))

    // Assess: each reaches its command's action.
    expect(lines.length).toBeGreaterThan(10)
    ran.forEach((command, i) => expect(command, lines[i]).toBe(commandOf(argsOf(lines[i]!))))
    expect(ran).toContain('sluice aws status')
  })

  it('fit the top-level help on one screen', () => {
    const lines = helps[0]!.help.trimEnd().split('\n')
    expect(lines.length).toBeLessThanOrEqual(40)
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100)
  })
})
