import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { STACK_OUTPUTS } from '../../functions/core/lake/stack-outputs'
import { CDK_JSON, policyStatements, removeSyntheses, synthSluice, type TemplateJson } from '../support/infra-synth'

const DEPLOY_DOC = fileURLToPath(new URL('../../docs/deploy.md', import.meta.url))

afterAll(removeSyntheses)

/** Logical IDs of the resources `cdk destroy` leaves behind, without CDK's 8-character hash. */
function retainedIds(json: TemplateJson): string[] {
  return Object.entries(json.Resources)
    .filter(([, r]) => r.DeletionPolicy === 'Retain')
    .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
    .sort()
}

/** The logical IDs in the third column of the table under docs/deploy.md's "What stays after a teardown". */
function documentedIds(markdown: string): string[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('What stays after a teardown'))
  if (!section) throw new Error('docs/deploy.md has no section "What stays after a teardown"')
  return section
    .split('\n')
    .filter((line) => /^\|\s*[^-\s]/.test(line))
    .slice(1)
    .map((line) => line.split('|')[3]!.trim().replace(/^`|`$/g, ''))
    .sort()
}

function functionEnv(json: TemplateJson, name: string): Record<string, unknown> {
  const fn = Object.values(json.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === name)
  return fn!.Properties!.Environment.Variables
}

describe('what a teardown leaves', () => {
  it('lists in docs/deploy.md exactly the resources the template retains', () => {
    // Act
    const { json } = synthSluice({}, { bundle: false })

    // Assess
    expect(retainedIds(json)).toContain('CatalogDatabase')
    expect(documentedIds(readFileSync(DEPLOY_DOC, 'utf8'))).toEqual(retainedIds(json))
  })
})

describe('a stack deployed again over a retained database', () => {
  it('adopts the database named by sluice:database with sluice:adoptDatabase, creating none, and still grants and names it', () => {
    // Act
    const { json, template } = synthSluice({ 'sluice:database': 'kept_lake', 'sluice:adoptDatabase': 'true' }, { bundle: false })

    // Assess
    template.resourceCountIs('AWS::Glue::Database', 0)
    expect(json.Outputs![STACK_OUTPUTS.database]!.Value).toBe('kept_lake')
    for (const step of ['plan', 'load', 'compact', 'site']) expect(functionEnv(json, `sluice-${step}`).GLUE_DATABASE).toBe('kept_lake')
    const glue = JSON.stringify(policyStatements(json).filter((s) => s.Action.some((a) => a.startsWith('glue:'))))
    expect(glue).toContain(':database/kept_lake')
    expect(glue).toContain(':table/kept_lake/*')
    template.hasResourceProperties('AWS::Athena::WorkGroup', { Description: 'sluice: queries over the kept_lake database' })
  })

  it('creates and retains the database when it is not adopted', () => {
    const { template } = synthSluice({ 'sluice:adoptDatabase': false }, { bundle: false })
    template.hasResource('AWS::Glue::Database', { DeletionPolicy: 'Retain', Properties: { DatabaseInput: { Name: 'sluice' } } })
  })
})

describe('cdk synth', () => {
  it('writes the template to cdk.out/ without printing it, as cdk.json sets quiet', () => {
    expect(JSON.parse(readFileSync(CDK_JSON, 'utf8')).quiet).toBe(true)
  })
})
