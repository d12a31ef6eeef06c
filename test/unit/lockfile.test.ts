import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

interface LockEntry {
  optionalDependencies?: Record<string, string>
}

/**
 * `npm ci` refuses a lock file that lacks an entry for any optional dependency, even one for
 * another platform. The registry here serves only linux-x64 builds of some native packages,
 * so `npm install` writes no entry for the others; they were added by hand (version, os, cpu).
 * This catches a regenerated lock file before CI does.
 */
describe('package-lock.json', () => {
  it('has an entry for every optional dependency of every package, as npm ci requires', () => {
    const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockEntry> }
    const paths = new Set(Object.keys(lock.packages))
    const missing = Object.entries(lock.packages).flatMap(([path, entry]) =>
      Object.keys(entry.optionalDependencies ?? {}).filter((dep) => {
        // Resolution as npm does it: next to the package, then up the tree.
        for (let base = path; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
          if (paths.has(`${base ? `${base}/` : ''}node_modules/${dep}`)) return false
          if (!base) return true
        }
      }).map((dep) => `${path || '(root)'} → ${dep}`),
    )
    expect(missing).toEqual([])
  })
})
