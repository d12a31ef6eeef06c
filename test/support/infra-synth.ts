import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { App, Validations } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import type { CloudAssembly } from 'aws-cdk-lib/cx-api'
import { AwsSolutionsChecks } from 'cdk-nag'
import { SluiceStack } from '../../infra/sluice-stack'
import { readStackConfig } from '../../infra/stack-config'

/** The project's cdk.json, whose context (settings and feature flags) every synthesis here starts from. */
export const CDK_JSON = fileURLToPath(new URL('../../cdk.json', import.meta.url))

/** A CloudFormation template as plain JSON. */
export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; Metadata?: Record<string, any> }>
  Outputs?: Record<string, { Value: unknown; Description?: string }>
}

export interface SynthesizedSluice {
  app: App
  stack: SluiceStack
  assembly: CloudAssembly
  template: Template
  json: TemplateJson
}

/** Cloud assemblies written by synthSluice and not yet removed. */
const outdirs: string[] = []

/** Removes every cloud assembly synthSluice wrote: call it in afterAll. */
export function removeSyntheses(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/**
 * Synthesizes the app as infra/app.ts does (cdk.json's context, then `overrides`), with cdk-nag's
 * AwsSolutionsChecks registered, into a new temporary folder. Synthesis throws when a check
 * fails. `bundle: false` skips esbuild, for tests that only look at the template.
 */
export function synthSluice(overrides: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): SynthesizedSluice {
  const { context } = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> }
  const outdir = mkdtempSync(join(tmpdir(), 'sluice-cdk-'))
  outdirs.push(outdir)
  const app = new App({
    outdir,
    context: { ...context, ...overrides, ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}) },
  })
  const config = readStackConfig(app.node)
  const stack = new SluiceStack(app, config.stackName, { config })
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
  const assembly = app.synth()
  const json = assembly.getStackArtifact(stack.artifactId).template as TemplateJson
  return { app, stack, assembly, template: Template.fromStack(stack), json }
}

/** The logical IDs of the template's resources of one type. */
export function resourceIds(json: TemplateJson, type: string): string[] {
  return Object.entries(json.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id)
}

/** Every IAM policy statement of the template, with the logical ID of the policy that holds it. */
export function policyStatements(json: TemplateJson): { policy: string; Action: string[]; Resource: unknown[]; Effect: string; Condition?: unknown }[] {
  const all = []
  for (const [policy, r] of Object.entries(json.Resources)) {
    const documents =
      r.Type === 'AWS::IAM::Policy' ? [r.Properties!.PolicyDocument] : r.Type === 'AWS::IAM::Role' ? (r.Properties!.Policies ?? []).map((p: any) => p.PolicyDocument) : []
    for (const doc of documents) {
      for (const s of doc.Statement) {
        all.push({ policy, ...s, Action: [s.Action].flat(), Resource: [s.Resource].flat() })
      }
    }
  }
  return all
}

/** The logical ID of the resource a `{ Ref }` or `{ Fn::GetAtt }` points at, if it is one. */
export function refOf(value: unknown): string | undefined {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] }
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0]
}
