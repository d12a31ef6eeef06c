import { spawn } from 'node:child_process'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { recordSection } from './doc-section'

const USAGE = `Usage: npm run bench:drop [-- options]

What a one-key drop touches in a local lake, at two lake sizes. Each lake is loaded by one
\`sluice run\` sweep (small files over ten datasets, the status site written), then one new file
is dropped and \`sluice run --key\` loads it under strace. Prints the
files that run opened and the folders it read under the lake, and the status site's files it
rewrote. Needs strace (apt-get install -y strace).

Options:
  --files N,M   committed files of the two lakes (default 100,1000)
  --write       record the results in docs/benchmarks.md
  --help        show this help`

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const DOC = join(ROOT, 'docs', 'benchmarks.md')
const SLUICE = join(ROOT, 'bin', 'sluice.js')

const csv = (i: number) => `id,name,amount,day\n${i},a${i},${i}.5,2024-05-01\n${i + 1},b${i},2.25,2024-05-02\n${i + 2},,7,2024-05-03\n`
const keyOf = (i: number) => `ds${i % 10}/2024/05/file-${String(i).padStart(6, '0')}.csv`

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.slice(0, 4).join(' ')} exited ${code}: ${stderr.slice(-1500)}`))))
  })
}

async function put(lake: string, key: string, text: string): Promise<void> {
  const path = join(lake, 'raw', key)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, text)
}

/** Every file under a folder with its modification time. */
async function mtimes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    out.set(path, (await stat(path)).mtimeMs)
  }
  return out
}

interface DropResult {
  files: number
  opened: number
  folders: number
  siteRewritten: number
  siteFiles: number
}

async function measure(files: number, work: string): Promise<DropResult> {
  const lake = join(work, `lake-${files}`)
  await rm(lake, { recursive: true, force: true })
  await mkdir(join(lake, 'raw'), { recursive: true })
  for (let i = 0; i < files; i++) await put(lake, keyOf(i), csv(i))
  await run(process.execPath, [SLUICE, 'run', '--lake', lake, '--json'])
  const key = 'ds3/2024/06/dropped.csv'
  await put(lake, key, csv(900_000))
  const before = await mtimes(join(lake, 'site'))
  const log = join(work, `strace-${files}.log`)
  await run('strace', ['-f', '-qq', '-e', 'trace=openat,getdents64', '-o', log, process.execPath, SLUICE, 'run', '--lake', lake, '--key', key, '--json'])
  const after = await mtimes(join(lake, 'site'))
  const lines = (await readFile(log, 'utf8')).split('\n')
  const underLake = (line: string) => line.includes(`"${lake}/`)
  const opened = lines.filter((l) => l.includes('openat(') && underLake(l) && !l.includes('O_DIRECTORY')).length
  // getdents64 names a descriptor, not a path: the folders opened for reading under the lake.
  const folders = lines.filter((l) => l.includes('openat(') && underLake(l) && l.includes('O_DIRECTORY')).length
  const siteRewritten = [...after].filter(([path, t]) => before.get(path) !== t).length
  return { files, opened, folders, siteRewritten, siteFiles: after.size }
}

function table(results: DropResult[]): string {
  const lines = ['| committed files | files opened under the lake | folders read | site files rewritten (of) |', '| ---: | ---: | ---: | ---: |']
  for (const r of results) lines.push(`| ${r.files} | ${r.opened} | ${r.folders} | ${r.siteRewritten} (${r.siteFiles}) |`)
  const [a, b] = results
  if (a && b) lines.push('', `Files opened at ${b.files} against ${a.files}: ${(b.opened / a.opened).toFixed(2)}×.`)
  return lines.join('\n')
}

/** Records `text` as this bench's section of docs/benchmarks.md. */
const record = (text: string) => recordSection(DOC, 'drop-files', 'A one-key drop at two lake sizes', text)

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { files: { type: 'string', default: '100,1000' }, write: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } })
  if (values.help) return console.log(USAGE)
  const sizes = values.files.split(',').map(Number)
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error('bench: --files takes positive whole numbers')
  const work = join(tmpdir(), 'sluice-bench-drop')
  await mkdir(work, { recursive: true })
  const results: DropResult[] = []
  try {
    for (const files of sizes) {
      results.push(await measure(files, work))
      console.log(`  ${files} committed files: ${JSON.stringify(results.at(-1))}`)
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  const text = `${table(results)}\n\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}; \`npm run bench:drop -- --files ${sizes.join(',')}\` (strace -e openat,getdents64 of \`sluice run --key\`).`
  console.log(`\n${text}`)
  if (values.write) await record(text)
}

await main()
