import { afterEach, describe, expect, it } from 'vitest'
import { planStep } from '../../functions/plan/plan-step'
import { runReportKey } from '../../functions/core/lake/lake-layout'
import { DEFAULT_PLAN_SETTINGS } from '../../functions/core/lake/step-deps'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'

const NEXT_DAY = new Date('2024-07-02T06:00:00.000Z')

describe('run ids', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('refuses a second run under the run id of an earlier one, and leaves its report as it was', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    await lake.run(undefined, { runId: 'nightly' })
    const before = await lake.deps.curated.readText(runReportKey('nightly'))
    await lake.putRaw('orders/more.csv', 'order_id,total_eur\n90001,1.00\n')

    // Act
    const second = lake.run(undefined, { runId: 'nightly', startTime: NEXT_DAY })

    // Assess
    await expect(second).rejects.toThrow(/run id nightly was used by an earlier run/)
    expect(await lake.deps.curated.readText(runReportKey('nightly'))).toBe(before)
  })

  it('makes Plan refuse an execution whose name another execution started earlier has used', async () => {
    // Prepare: an execution of that name ran (e.g. on a state machine deployed before).
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    await lake.run(undefined, { runId: 'nightly' })

    // Act
    const planned = planStep(lake.deps, DEFAULT_PLAN_SETTINGS, { input: { trigger: 'schedule' }, runId: 'nightly', startTime: NEXT_DAY.toISOString() })

    // Assess
    await expect(planned).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(`run id nightly was used by an execution started at ${START_TIME.toISOString()}`) })
  })
})
