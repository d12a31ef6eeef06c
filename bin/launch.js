// Starts a sluice entry point (cli/<name>.ts) in a Node process given the heap limit the npm
// scripts always gave it: the built JavaScript in dist/ when it is there and newer than every
// source it was built from (npm builds it on install: scripts/build-cli.mjs), else the
// TypeScript through tsx. SLUICE_FROM_SOURCE=1 always runs the TypeScript. Where Node can
// replace its own process (Node 22.15+, not Windows) that process runs the entry point;
// elsewhere a child process does, and this one waits for it.
import { spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = new URL('..', import.meta.url)

/** The built entry point when it is fresh, else undefined. */
function freshBuild(name) {
  if (process.env.SLUICE_FROM_SOURCE) return undefined
  try {
    const info = JSON.parse(readFileSync(new URL('dist/build-info.json', root), 'utf8'))
    const stale = info.inputs.some((input) => statSync(new URL(input, root)).mtimeMs > info.builtAt)
    return stale ? undefined : fileURLToPath(new URL(`dist/${name}.js`, root))
  } catch {
    return undefined
  }
}

/** Runs cli/<name>.ts (or its build) with these arguments in `cwd`, and exits as it exits. */
export function launch(name, args, cwd) {
  const built = freshBuild(name)
  // Resolved from here, not from the working directory, which may be any folder.
  const entry = built ? [built] : ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL(`cli/${name}.ts`, root))]
  // The Transform Lambda's V8 flags and glibc setting (infra/functions.ts): they keep the byte
  // engine's peak memory flat in the file's length.
  const flags = ['--max-old-space-size=1024', '--max-semi-space-size=2']
  const env = { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env }
  // Replaced rather than a parent left waiting: the parent's own Node (about 40 MB of RSS)
  // would count in the command's memory for as long as it runs.
  if (typeof process.execve === 'function') {
    try {
      process.chdir(cwd)
      process.execve(process.execPath, [process.execPath, ...flags, ...entry, ...args], env)
    } catch {
      // execve(2) failed and this process is as it was: start a child instead.
    }
  }
  const child = spawn(process.execPath, [...flags, ...entry, ...args], { cwd, env, stdio: 'inherit' })

  // Ctrl-C reaches the child from the terminal itself; other signals are passed on.
  const forward = (signal) => () => child.kill(signal)
  process.on('SIGINT', () => {})
  process.on('SIGTERM', forward('SIGTERM'))
  process.on('SIGHUP', forward('SIGHUP'))
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    } else process.exit(code ?? 1)
  })
}
