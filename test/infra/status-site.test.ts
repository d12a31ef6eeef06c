import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHECK_VIEWER_SOURCE } from '../../infra/site-viewers'
import { SITE_CSP } from '../../functions/core/site/site-assets'
import { STACK_OUTPUTS } from '../../functions/core/lake/stack-outputs'
import { policyStatements, refOf, resourceIds, removeSyntheses, synthSluice, type SynthesizedSluice, type TemplateJson } from '../support/infra-synth'

afterAll(removeSyntheses)

const only = (json: TemplateJson, type: string) => {
  const ids = resourceIds(json, type)
  expect(ids, type).toHaveLength(1)
  return { id: ids[0]!, props: json.Resources[ids[0]!]!.Properties! }
}

describe('the status site on AWS', () => {
  let synth: SynthesizedSluice

  beforeAll(() => {
    synth = synthSluice({}, { bundle: false })
  })

  it('serves a private bucket through CloudFront with Origin Access Control, HTTPS only, with access logs', () => {
    // Prepare
    const { json } = synth
    const distribution = only(json, 'AWS::CloudFront::Distribution').props.DistributionConfig
    const oac = only(json, 'AWS::CloudFront::OriginAccessControl')
    const siteBucket = refOf(distribution.Origins[0].DomainName)!

    // Assess
    expect(oac.props.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' })
    expect(refOf(distribution.Origins[0].OriginAccessControlId)).toBe(oac.id)
    expect(distribution.Origins[0].S3OriginConfig).toEqual({ OriginAccessIdentity: '' })
    expect(distribution.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] })
    expect(distribution.DefaultRootObject).toBe('index.html')
    expect(distribution.Logging.Bucket).toBeDefined()
    expect(json.Resources[siteBucket]!.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { LogFilePrefix: 'site/' },
    })
  })

  it('lets only this distribution read the site bucket', () => {
    // Prepare
    const { json } = synth
    const distribution = only(json, 'AWS::CloudFront::Distribution')
    const siteBucket = refOf(distribution.props.DistributionConfig.Origins[0].DomainName)!
    const policy = Object.values(json.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && refOf(r.Properties!.Bucket) === siteBucket)!
    const statements = policy.Properties!.PolicyDocument.Statement as { Effect: string; Principal: unknown; Action: string | string[]; Condition?: any }[]

    // Assess
    const allows = statements.filter((s) => s.Effect === 'Allow')
    expect(allows).toHaveLength(1)
    expect(allows[0]).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })
    expect(JSON.stringify(allows[0]!.Condition.StringEquals['AWS:SourceArn'])).toContain(distribution.id)
    expect(statements.filter((s) => s.Effect === 'Deny').map((s) => s.Condition)).toEqual([{ Bool: { 'aws:SecureTransport': 'false' } }])
  })

  it('sends HSTS, the CSP, no-sniff and frame-deny on every response', () => {
    // Prepare
    const { json } = synth
    const policy = only(json, 'AWS::CloudFront::ResponseHeadersPolicy')
    const distribution = only(json, 'AWS::CloudFront::Distribution').props.DistributionConfig

    // Assess
    expect(refOf(distribution.DefaultCacheBehavior.ResponseHeadersPolicyId)).toBe(policy.id)
    expect(policy.props.ResponseHeadersPolicyConfig.SecurityHeadersConfig).toEqual({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 730 * 86400, IncludeSubdomains: true, Override: true },
      ContentSecurityPolicy: { ContentSecurityPolicy: SITE_CSP, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    })
  })

  it('lets the Site Lambda write the site bucket only, and read only the run reports and the site summaries', () => {
    // Prepare
    const { json } = synth
    const [id, fn] = Object.entries(json.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === 'sluice-site')!
    const role = refOf(fn.Properties!.Role)
    const policies = Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Policy' && (r.Properties!.Roles as unknown[]).some((x) => refOf(x) === role)).map(([p]) => p)
    const statements = policyStatements(json).filter((s) => policies.includes(s.policy))
    const siteBucket = refOf(only(json, 'AWS::CloudFront::Distribution').props.DistributionConfig.Origins[0].DomainName)
    const writes = statements.filter((s) => s.Action.some((a) => /^s3:(Put|Delete)/.test(a)))
    const reads = statements.filter((s) => s.Action.includes('s3:GetObject')).flatMap((s) => s.Resource.map((r) => JSON.stringify(r)))

    // Assess
    expect(id).toBeDefined()
    expect(writes).toHaveLength(1)
    expect(writes[0]!.Action).toEqual(['s3:PutObject'])
    expect(writes[0]!.Resource.map((r) => JSON.stringify(r).includes(siteBucket!))).toEqual([true])
    expect(reads).toHaveLength(2)
    expect(reads.every((r) => r.includes('ZonesCurated') && /_runs\/\*|_site\/\*/.test(r))).toBe(true)
    expect(fn.Properties!.Environment.Variables.SITE_BUCKET).toEqual({ Ref: siteBucket })
  })

  it('outputs the site URL', () => {
    // Assess
    const url = synth.json.Outputs?.[STACK_OUTPUTS.siteUrl]?.Value as { 'Fn::Join': [string, unknown[]] }
    expect(url['Fn::Join'][1][0]).toBe('https://')
    expect(refOf(url['Fn::Join'][1][1])).toBe(resourceIds(synth.json, 'AWS::CloudFront::Distribution')[0])
  })

  it('refuses viewers without credentials by default: a viewer-request function with the viewers key value store on the default behaviour', () => {
    // Prepare
    const { json } = synth
    const distribution = only(json, 'AWS::CloudFront::Distribution').props.DistributionConfig
    const fn = only(json, 'AWS::CloudFront::Function')
    const store = only(json, 'AWS::CloudFront::KeyValueStore')

    // Assess
    expect(distribution.DefaultCacheBehavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fn.id, 'FunctionARN'] } }])
    expect(distribution.CacheBehaviors).toBeUndefined()
    expect(fn.props.FunctionConfig.Runtime).toBe('cloudfront-js-2.0')
    expect(fn.props.FunctionConfig.KeyValueStoreAssociations).toEqual([{ KeyValueStoreARN: { 'Fn::GetAtt': [store.id, 'Arn'] } }])
    expect(fn.props.FunctionCode).toBe(readFileSync(CHECK_VIEWER_SOURCE, 'utf8'))
    expect(fn.props.AutoPublish).toBe(true)
    expect(json.Outputs?.[STACK_OUTPUTS.siteViewers]?.Value).toEqual({ 'Fn::GetAtt': [store.id, 'Arn'] })
  })

  it('serves the site to anyone only when the deployer says so with sluice:sitePublic', () => {
    // Act
    const { json } = synthSluice({ 'sluice:sitePublic': 'true' }, { bundle: false })
    const distribution = only(json, 'AWS::CloudFront::Distribution').props.DistributionConfig

    // Assess
    expect(distribution.DefaultCacheBehavior.FunctionAssociations).toBeUndefined()
    expect(resourceIds(json, 'AWS::CloudFront::Function')).toEqual([])
    expect(resourceIds(json, 'AWS::CloudFront::KeyValueStore')).toEqual([])
    expect(json.Outputs?.[STACK_OUTPUTS.siteViewers]).toBeUndefined()
  })

  it('tells Load and Site whether the deployment lets record text on the site: not unless sluice:siteRecordText is true', () => {
    // Prepare
    const recordText = (json: TemplateJson) =>
      Object.fromEntries(
        Object.values(json.Resources)
          .filter((r) => r.Type === 'AWS::Lambda::Function' && ['sluice-load', 'sluice-site'].includes(r.Properties?.FunctionName))
          .map((r) => [r.Properties!.FunctionName, r.Properties!.Environment.Variables.SITE_RECORD_TEXT]),
      )

    // Act
    const optedIn = synthSluice({ 'sluice:siteRecordText': true }, { bundle: false }).json

    // Assess
    expect(recordText(synth.json)).toEqual({ 'sluice-load': 'false', 'sluice-site': 'false' })
    expect(recordText(optedIn)).toEqual({ 'sluice-load': 'true', 'sluice-site': 'true' })
  })

  it('gives the Site Lambda the stale threshold of sluice:siteStaleAfterHours, 36 hours by default', () => {
    // Prepare
    const stale = (json: TemplateJson) =>
      Object.values(json.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === 'sluice-site')!.Properties!.Environment.Variables.SLUICE_STALE_AFTER_HOURS

    // Act
    const set = synthSluice({ 'sluice:siteStaleAfterHours': '6' }, { bundle: false }).json

    // Assess
    expect(stale(synth.json)).toBe('36')
    expect(stale(set)).toBe('6')
  })

  it('restricts countries and adds a WAF web ACL when the context asks for them', () => {
    // Act
    const { json } = synthSluice({ 'sluice:siteAllowedCountries': 'DE, FR', 'sluice:siteWebAclArn': 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abc' }, { bundle: false })
    const distribution = only(json, 'AWS::CloudFront::Distribution').props.DistributionConfig

    // Assess
    expect(distribution.Restrictions).toEqual({ GeoRestriction: { Locations: ['DE', 'FR'], RestrictionType: 'whitelist' } })
    expect(distribution.WebACLId).toBe('arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abc')
    expect(distribution.DefaultCacheBehavior.FunctionAssociations).toHaveLength(1)
  })
})
