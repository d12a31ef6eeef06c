#!/usr/bin/env node
// The `sluice` command. The CLI is TypeScript run through tsx, in a child Node process given
// the heap limit the npm scripts always gave it. Relative paths mean what the user typed them
// against: `npm run sluice` runs from the package root, so then the child starts in INIT_CWD,
// the directory npm was called from.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../cli/sluice.ts', import.meta.url))
// Resolved from here, not from the working directory, which may be any folder.
const tsx = import.meta.resolve('tsx')
const viaNpmScript = process.env.npm_lifecycle_event === 'sluice' && process.env.INIT_CWD
const cwd = viaNpmScript ? process.env.INIT_CWD : process.cwd()

// The Transform Lambda's V8 flags and glibc setting (infra/functions.ts): they keep the byte
// engine's peak memory flat in the file's length.
const flags = ['--max-old-space-size=1024', '--max-semi-space-size=2']
const env = { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env }
const child = spawn(process.execPath, [...flags, '--import', tsx, entry, ...process.argv.slice(2)], { cwd, env, stdio: 'inherit' })

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
