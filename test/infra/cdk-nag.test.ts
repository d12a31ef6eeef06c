import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { App, Stack, Validations } from 'aws-cdk-lib'
import { Bucket } from 'aws-cdk-lib/aws-s3'
import { AwsSolutionsChecks } from 'cdk-nag'
import { removeSyntheses, synthSluice, type SynthesizedSluice } from '../support/infra-synth'

/** Every acknowledgement recorded in the construct tree: rule ID, where, and why. */
function acknowledgements(app: App): { path: string; id: string; reason: string }[] {
  const found = []
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id: id.replace(/^Annotation::/, ''), reason })
      }
    }
  }
  return found
}

afterAll(removeSyntheses)

describe('cdk-nag AwsSolutionsChecks on the sluice stack', () => {
  let synth: SynthesizedSluice

  beforeAll(() => {
    // Synthesis itself throws when a check fails (see the last test).
    synth = synthSluice({}, { bundle: false })
  })

  it('leaves no violation unacknowledged', () => {
    // Prepare
    const report = JSON.parse(readFileSync(join(synth.assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[]
    }

    // Assess
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success' || r.violations.length > 0)).toEqual([])
  })

  it('acknowledges only these rules, each with a reason', () => {
    // Prepare
    const acks = acknowledgements(synth.app)

    // Assess
    for (const ack of acks) expect(ack.reason.trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40)
    expect([...new Set(acks.map((a) => `${a.path.replace(/^Sluice\//, '')}: ${a.id.replace(/<(\w+?)[0-9A-F]{8}\.Arn>/g, '<$1.Arn>')}`))].sort()).toEqual(
      [
        'Alarms/Topic: AwsSolutions-SNS2',
        'Functions/Compact: AwsSolutions-L1',
        'Functions/CompactRole: AwsSolutions-IAM5[Resource::*]',
        'Functions/CompactRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/*]',
        'Functions/CompactRole: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/sluice/*]',
        'Functions/Drops: AwsSolutions-L1',
        'Functions/DropsRole: AwsSolutions-IAM5[Resource::*]',
        'Functions/HandOff: AwsSolutions-L1',
        'Functions/HandOffRole: AwsSolutions-IAM5[Resource::*]',
        'Functions/HandOffRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/_runs/*]',
        'Functions/Load: AwsSolutions-L1',
        'Functions/LoadRole: AwsSolutions-IAM5[Resource::<ZonesRaw.Arn>/*]',
        'Functions/LoadRole: AwsSolutions-IAM5[Resource::*]',
        'Functions/LoadRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/*]',
        'Functions/LoadRole: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/sluice/*]',
        'Functions/Plan: AwsSolutions-L1',
        'Functions/PlanRole: AwsSolutions-IAM5[Resource::*]',
        'Functions/PlanRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/_batches/*]',
        'Functions/PlanRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/_ledger/*]',
        'Functions/PlanRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/_runs/*]',
        'Functions/PlanRole: AwsSolutions-IAM5[Resource::<ZonesRaw.Arn>/*]',
        'Functions/PlanRole: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/sluice/*]',
        'Functions/Site: AwsSolutions-L1',
        'Functions/SiteRole: AwsSolutions-IAM5[Resource::*]',
        'Functions/SiteRole: AwsSolutions-IAM5[Resource::<StatusSiteBucket.Arn>/*]',
        'Functions/SiteRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/_runs/*]',
        'Functions/SiteRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/_site/*]',
        'Functions/SiteRole: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/sluice/*]',
        'Functions/Transform: AwsSolutions-L1',
        'Functions/TransformRole: AwsSolutions-IAM5[Resource::*]',
        'Functions/TransformRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/_batches/*]',
        'Functions/TransformRole: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/_staging/*]',
        'Functions/TransformRole: AwsSolutions-IAM5[Resource::<ZonesRaw.Arn>/*]',
        'Workflow/StateMachine/Role: AwsSolutions-IAM5[Resource::<ZonesCurated.Arn>/_batches/*]',
        'Workflow/StateMachine: AwsSolutions-IAM5[Resource::*]',
        'Workflow/StateMachine: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:sluice-etl/*]',
        'Triggers/DropsDeadLetters: AwsSolutions-SQS3',
        'Workflow/StateMachine: AwsSolutions-SF1',
        'Zones/AccessLogs: AwsSolutions-S1',
        'StatusSite/Distribution: AwsSolutions-CFR1',
        'StatusSite/Distribution: AwsSolutions-CFR2',
        'StatusSite/Distribution: AwsSolutions-CFR4',
      ].sort(),
    )
  })

  it('fails synthesis for a resource that breaks a rule, so the checks are live', () => {
    // Prepare
    const app = new App()
    const stack = new Stack(app, 'Loose')
    new Bucket(stack, 'Unlogged')
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app))

    // Act & Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/)
  })
})
