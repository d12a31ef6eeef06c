import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { TransformStats } from '../../functions/core/transform/transform-types'
import type { ContenderResult } from '../bench-types'
import { measureCommand } from '../command-meter'

const round = (x: number, digits: number) => Number(x.toFixed(digits))

/**
 * Builds the `sluice` command into dist/ as `npm install` does (its `prepare` script), so that
 * the command line measures the JavaScript a user's install runs, not a stale build nor the
 * TypeScript sources.
 */
export function buildSluiceCommand(root: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const build = spawn(process.execPath, [join(root, 'scripts', 'build-cli.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    build.on('error', reject)
    build.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bench: scripts/build-cli.mjs exited with code ${code}`))))
  })
}

/**
 * `sluice transform <csv> --out <out> --output json`, as a user types it: bin/sluice.js in a
 * fresh Node process (the bench's own Node), with the flags and defaults the command sets for
 * itself. Time, CPU and peak RSS are those of the whole command, startup and every process it
 * starts included ({@link measureCommand}). Returns the result, or how it failed.
 */
export async function measureSluiceCommand(root: string, csv: string, out: string): Promise<ContenderResult | { how: string; stderr: string }> {
  const args = [join(root, 'bin', 'sluice.js'), 'transform', csv, '--out', out, '--output', 'json']
  const run = await measureCommand(process.execPath, args, { cwd: root, env: process.env })
  const last = run.stdout.trim().split('\n').at(-1) ?? ''
  if (run.code !== 0 || !last.startsWith('{')) return { how: run.signal ? `signal ${run.signal}` : `exit code ${run.code}`, stderr: run.stderr || run.stdout }
  const stats = JSON.parse(last) as TransformStats
  return {
    parquetBytes: stats.bytesOut,
    rowsOut: stats.rowsOut,
    rowsRejected: stats.rowsRejected,
    parts: stats.parts.length,
    seconds: round(run.seconds, 3),
    cpuSeconds: round(run.cpuSeconds, 3),
    peakRssMb: round(run.peakRssMb, 1),
  }
}
