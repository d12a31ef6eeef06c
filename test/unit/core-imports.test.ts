import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The layers of functions/core, read from its import statements: the conductors in transform/
 * wire csv/, schema/ and parquet/ (the parts) and lake/; a part never reaches back up into
 * lake/ or a conductor, no file imports itself through a circle, and the core does no I/O.
 * Every file sits in a folder that names its concern; only errors.ts, which all may throw, is
 * at the top.
 */

const CORE = resolve(__dirname, '../../functions/core')
const PARTS = ['csv', 'schema', 'parquet']
const ABOVE_PARTS = ['lake', 'transform']
const IO_MODULES = /^(?:@aws-sdk\/|@duckdb\/|(?:node:)?fs(?:\/|$))/

interface Import {
  specifier: string
  typeOnly: boolean
}

function coreFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? coreFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/**
 * Every module a file names: import and re-export statements (which start a line in this
 * code base, so a comment or a string that mentions one does not count) and `import()` calls.
 */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8')
  const statements = [...text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^;'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)]
  const dynamic = [...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)]
  return [
    ...statements.map((m) => ({ specifier: m[2], typeOnly: m[1] !== undefined })),
    ...dynamic.map((m) => ({ specifier: m[1], typeOnly: false })),
  ]
}

const name = (file: string) => relative(CORE, file)
/** The folder of a file named relative to the core (`errors.ts` for a file at its top). */
const folderOf = (coreName: string) => coreName.split('/')[0]

/** The core's files, each with the core files it imports (relative specifiers, resolved). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of coreFiles(CORE)) {
    const targets = importsOf(file)
      .filter((i) => i.specifier.startsWith('.'))
      .map((i) => resolve(dirname(file), i.specifier).replace(/\.js$/, '') + '.ts')
    graph.set(name(file), targets.filter((t) => t.startsWith(CORE + '/')).map(name))
  }
  return graph
}

/** One import circle through the graph, as the files in order, or undefined when there is none. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string): string[] | undefined => {
    state.set(file, 'open')
    path.push(file)
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next]
      if (!state.has(next)) {
        const cycle = visit(next)
        if (cycle) return cycle
      }
    }
    path.pop()
    state.set(file, 'done')
    return undefined
  }
  for (const file of [...graph.keys()].sort()) {
    if (state.has(file)) continue
    const cycle = visit(file)
    if (cycle) return cycle
  }
  return undefined
}

/** For each file of `from`, the chain of imports by which it reaches a file of `to`, if any. */
function chainsInto(graph: Map<string, string[]>, from: string[], to: string[]): string[][] {
  const chains: string[][] = []
  for (const start of [...graph.keys()].filter((f) => from.includes(folderOf(f))).sort()) {
    const seen = new Map<string, string[]>([[start, [start]]])
    const queue = [start]
    while (queue.length > 0) {
      const file = queue.shift()!
      const chain = seen.get(file)!
      const hit = (graph.get(file) ?? []).find((next) => to.includes(folderOf(next)))
      if (hit) {
        chains.push([...chain, hit])
        break
      }
      for (const next of graph.get(file) ?? []) {
        if (seen.has(next)) continue
        seen.set(next, [...chain, next])
        queue.push(next)
      }
    }
  }
  return chains
}

describe('the imports of functions/core', () => {
  const graph = importGraph()

  it('reads the conductors and the parts', () => {
    const folders = new Set([...graph.keys()].map(folderOf))
    expect([...PARTS, ...ABOVE_PARTS].filter((f) => !folders.has(f))).toEqual([])
    const conducted = new Set((graph.get('transform/transform-csv.ts') ?? []).map(folderOf))
    expect(PARTS.filter((f) => !conducted.has(f))).toEqual([])
  })

  it('keep every file in a room of its own folder, but errors.ts', () => {
    expect([...graph.keys()].filter((f) => !f.includes('/') && f !== 'errors.ts')).toEqual([])
  })

  it('form no circle', () => {
    const cycle = findCycle(graph)
    expect(cycle && cycle.join(' -> ')).toBeUndefined()
  })

  it('form no circle between folders either: the rooms stack in layers, each building on those below', () => {
    const folders = new Map<string, string[]>()
    for (const [file, targets] of graph) {
      const from = folderOf(file)
      const into = new Set([...(folders.get(from) ?? []), ...targets.map(folderOf).filter((f) => f !== from)])
      folders.set(from, [...into].sort())
    }
    const cycle = findCycle(folders)
    expect(cycle && cycle.join(' -> ')).toBeUndefined()
  })

  it('never lead from csv/, schema/ or parquet/ up into lake/ or a conductor, directly or through another file', () => {
    const chains = chainsInto(graph, PARTS, ABOVE_PARTS).map((c) => c.join(' -> '))
    expect(chains).toEqual([])
  })

  it('keep errors.ts free of any code import, so every layer may throw its errors', () => {
    const code = importsOf(join(CORE, 'errors.ts')).filter((i) => !i.typeOnly)
    expect(code.map((i) => i.specifier)).toEqual([])
  })

  it('name no AWS SDK, file system or DuckDB module: the adapters do the I/O', () => {
    const io = coreFiles(CORE).flatMap((file) => importsOf(file).filter((i) => IO_MODULES.test(i.specifier)).map((i) => `${name(file)}: ${i.specifier}`))
    expect(io).toEqual([])
  })
})
