import { hostname } from 'node:os'
import { InvalidInputError, WriteConflictError } from '../../functions/core/errors'
import type { ObjectStore } from '../../functions/core/lake/object-store'

/**
 * A local run's hold on its staging area, `_staging/<run id>/`: a lease naming the process
 * that runs it. The run removes its staging when it ends, however it ends; the staging of a run
 * whose process died (killed, out of memory) is removed by the next command that runs, which
 * finds the lease's process gone. Staging without a lease (an AWS execution's, which the bucket's
 * lifecycle rule expires) or of a process on another host is never touched.
 */
export interface StagingLease {
  runId: string
  pid: number
  host: string
  startedAt: string
}

export const stagingLeaseKey = (runId: string) => `_staging/${runId}/run.json`

/** Whether a process of this host is running (one of another user counts as running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes the lease of `runId`'s staging; refuses a run id whose staging another run holds. */
export async function holdStaging(curated: ObjectStore, runId: string, now = new Date()): Promise<{ release(): Promise<void> }> {
  const lease: StagingLease = { runId, pid: process.pid, host: hostname(), startedAt: now.toISOString() }
  try {
    await curated.writeText(stagingLeaseKey(runId), JSON.stringify(lease), { ifNoneMatch: '*' })
  } catch (e) {
    if (e instanceof WriteConflictError) throw new InvalidInputError(`run: run id ${runId} is held by another run (${stagingLeaseKey(runId)})`, { cause: e })
    throw e
  }
  return { release: () => removeStaging(curated, runId) }
}

/**
 * Removes the staging of runs whose lease names a process of this host that is gone; returns
 * their run ids.
 */
export async function removeDeadStaging(curated: ObjectStore, alive: (pid: number) => boolean = processAlive): Promise<string[]> {
  const runs = new Set<string>()
  for await (const o of curated.list('_staging/')) runs.add(o.key.split('/')[1]!)
  const dead: string[] = []
  for (const runId of [...runs].sort()) {
    const text = await curated.readText(stagingLeaseKey(runId))
    if (!text) continue
    const lease = JSON.parse(text) as StagingLease
    if (lease.host !== hostname() || alive(lease.pid)) continue
    await removeStaging(curated, runId)
    dead.push(runId)
  }
  return dead
}

/** Everything under `_staging/<run id>/`, the lease last. */
async function removeStaging(curated: ObjectStore, runId: string): Promise<void> {
  const keys: string[] = []
  for await (const o of curated.list(`_staging/${runId}/`)) keys.push(o.key)
  const lease = stagingLeaseKey(runId)
  await curated.delete(keys.filter((k) => k !== lease))
  await curated.delete([lease])
}
