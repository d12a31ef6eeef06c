import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** What one command cost, from the moment it was started until it exited. */
export interface CommandMeasurement {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Wall time from spawn to exit: process start-up, module loading and the work. */
  seconds: number
  /** User + system CPU of the command and of every process it waited for, every thread. */
  cpuSeconds: number
  /** The highest sum of RSS over the command's process tree, in MiB. */
  peakRssMb: number
}

/** How often the tree's RSS is read: often enough to see a plateau, cheap enough to not count. */
const SAMPLE_MS = 10
/** How often /proc is scanned for the processes of the tree, which reads every process's stat. */
const TREE_MS = 100

/**
 * Runs `command args` and measures it as a whole, Linux only (/proc). The command runs under
 * `sh -c`, whose `times` builtin prints afterwards the CPU of every process the shell waited
 * for: the command and, through it, its own children. Peak RSS is the highest sum over the
 * command's process tree (the shell left out; its members found every {@link TREE_MS} ms, their
 * RSS read every {@link SAMPLE_MS} ms), and never below the peak (VmHWM) of any one process in
 * it: a launcher and its child are counted together, as the machine's memory sees them.
 */
export function measureCommand(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CommandMeasurement> {
  return new Promise((resolve, reject) => {
    const script = '"$@"; status=$?; times >&3; exit $status'
    const started = performance.now()
    const shell = spawn('/bin/sh', ['-c', script, 'sh', command, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let times = ''
    shell.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    shell.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    ;(shell.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (s: string) => (times += s))
    let peakKb = 0
    let tree: number[] = []
    let treeReadAt = -Infinity
    const sample = () => {
      if (shell.pid === undefined) return
      if (performance.now() - treeReadAt >= TREE_MS) {
        tree = descendants(shell.pid)
        treeReadAt = performance.now()
      }
      let sum = 0
      for (const pid of tree) {
        const memory = memoryOf(pid)
        sum += memory.rssKb
        peakKb = Math.max(peakKb, memory.hwmKb)
      }
      peakKb = Math.max(peakKb, sum)
    }
    const timer = setInterval(sample, SAMPLE_MS)
    shell.on('error', (e) => {
      clearInterval(timer)
      reject(e)
    })
    shell.on('close', (code, signal) => {
      clearInterval(timer)
      const seconds = (performance.now() - started) / 1000
      resolve({ code, signal, stdout, stderr, seconds, cpuSeconds: childrenCpuSeconds(times), peakRssMb: peakKb / 1024 })
    })
  })
}

/** Every process below `pid`, from the parent pid in each /proc/<pid>/stat. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // Exited since it was listed.
    }
    // `pid (comm) state ppid …`: the command name may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)])
  }
  const found: number[] = []
  const visit = (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      found.push(child)
      visit(child)
    }
  }
  visit(pid)
  return found
}

/** VmRSS and VmHWM (its peak so far) of one process, 0 once it has exited. */
function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') }
  } catch {
    return { rssKb: 0, hwmKb: 0 }
  }
}

/**
 * The children's line of `times` (the second): `0m4.860000s 0m0.720000s` in dash,
 * `0m4.860s 0m0.720s` in bash.
 */
function childrenCpuSeconds(times: string): number {
  const line = times.trim().split('\n')[1] ?? ''
  const spans = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]))
  return spans.length === 2 ? spans[0]! + spans[1]! : Number.NaN
}
