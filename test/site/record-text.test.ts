import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { localSiteStep, writeLocalSite } from '../../cli/site/local-site'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'

const DAY = 86_400_000

/** Values that appear only in the rejected records of people.csv. */
const RECORD_VALUES = ['Zelda Quinn-Secret', 'forty-two', 'Bob Hidden-Name']

const PEOPLE = 'id,name,age\n1,Ann,34\n2,Zelda Quinn-Secret,forty-two\n3,Bob Hidden-Name\n4,Cy,51\n'

const contract = (recordText?: boolean) =>
  JSON.stringify({
    columns: [
      { name: 'id', type: 'int', nullable: false },
      { name: 'name', type: 'string' },
      { name: 'age', type: 'int' },
    ],
    rejectThreshold: 1,
    ...(recordText === undefined ? {} : { site: { recordText } }),
  })

/** Every file the site is made of: the pages under `<lake>/site/` and the summaries under `curated/_site/`, as text. */
async function siteText(lake: E2ELake): Promise<string> {
  const texts: string[] = []
  for (const folder of [join(lake.dir, 'site'), join(lake.dir, 'curated', '_site')]) {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true })
    for (const e of entries.filter((x) => x.isFile() && /\.(html|json)$/.test(x.name))) texts.push(await readFile(join(e.parentPath, e.name), 'utf8'))
  }
  return texts.join('\n')
}

/** Loads people.csv with the workflow updating the site, then writes the whole site afresh, both as `deps` says. */
async function loadPeople(lake: E2ELake, deps: LakeDeps, recordText?: boolean): Promise<{ incremental: string; full: string }> {
  await lake.putRaw('_contracts/people.json', contract(recordText))
  await lake.putRaw('people/people.csv', PEOPLE)
  const { report } = await lake.run(undefined, { deps, site: localSiteStep(deps, lake.dir) })
  expect(report.totals).toMatchObject({ rowsOut: 2, rowsRejected: 2 })
  const incremental = await siteText(lake)
  await writeLocalSite(deps, lake.dir)
  return { incremental, full: await siteText(lake) }
}

describe('record text on the status site', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('shows a reject by its file, line, column and error, with no record text, when neither the deployment nor the contract opts in', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })

    // Act
    const site = await loadPeople(lake, { ...lake.deps, siteRecordText: false })
    const rejects = await readFile(join(lake.dir, 'site', 'rejects', 'people.html'), 'utf8')

    // Assess
    for (const text of [site.incremental, site.full]) for (const value of RECORD_VALUES) expect(text).not.toContain(value)
    expect(rejects).toContain('people/people.csv')
    expect(rejects).toMatch(/<td[^>]*>age<\/td>/)
    expect(rejects).toContain('type_mismatch')
    expect(rejects).toContain('column_count')
    expect(rejects).toContain('is not a int')
    expect(rejects).not.toContain('<th>record</th>')
  })

  it('shows no record text when only the deployment opts in, or only the contract', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    const other = await createLake({ seed: 'none' })

    try {
      // Act
      const deploymentOnly = await loadPeople(lake, { ...lake.deps, siteRecordText: true })
      const contractOnly = await loadPeople(other, { ...other.deps, siteRecordText: false }, true)

      // Assess
      for (const site of [deploymentOnly, contractOnly]) {
        for (const text of [site.incremental, site.full]) for (const value of RECORD_VALUES) expect(text).not.toContain(value)
      }
    } finally {
      await other.dispose()
    }
  })

  it('shows the rejected records when the deployment and the contract both opt in, and drops them once the deployment opts out', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    const optedIn = await loadPeople(lake, { ...lake.deps, siteRecordText: true }, true)
    const off: LakeDeps = { ...lake.deps, siteRecordText: false }

    // Act
    await lake.putRaw('people/people-2.csv', 'id,name,age\n5,Dee,29\n')
    await lake.run(undefined, { deps: off, site: localSiteStep(off, lake.dir), startTime: new Date(START_TIME.getTime() + DAY) })
    const afterOptOut = await siteText(lake)

    // Assess
    for (const text of [optedIn.incremental, optedIn.full]) {
      expect(text).toContain('2,Zelda Quinn-Secret,forty-two')
      expect(text).toContain('3,Bob Hidden-Name')
    }
    for (const value of RECORD_VALUES) expect(afterOptOut).not.toContain(value)
  })
})
