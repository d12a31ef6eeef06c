import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib'
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  FunctionEventType,
  GeoRestriction,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront'
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins'
import { PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3'
import { Construct } from 'constructs'
import { SITE_CSP } from '../functions/core/site/site-assets'
import { acknowledgeWildcardResources } from './nag'
import { SiteViewers } from './site-viewers'

export interface StatusSiteProps {
  /** Where the site bucket's server access logs go. */
  accessLogs: IBucket
  /** Countries (ISO 3166-1 alpha-2) allowed to view the site; everyone when undefined. */
  allowedCountries?: string[]
  /** ARN of a WAF web ACL (scope CLOUDFRONT, in us-east-1) in front of the site; none when undefined. */
  webAclArn?: string
  /**
   * `true` serves the site to anyone with its address. Otherwise (the default) only the viewers
   * listed in the site's key value store get in (site-viewers.ts).
   */
  public?: boolean
  /**
   * `true` lets the pages show the text of rejected records, of the datasets whose contract
   * says `"site": { "recordText": true }` too; otherwise a reject shows its file, line, column
   * and error only.
   */
  recordText?: boolean
  /** Hours after its last load that the site flags a dataset stale (SLUICE_STALE_AFTER_HOURS of the Site Lambda). */
  staleAfterHours?: number
}

/**
 * The status site: a private bucket the Site Lambda writes the generated pages to, served only
 * through a CloudFront distribution that reads it with Origin Access Control, over HTTPS, with
 * security headers on every response and access logs. Pages are uploaded with a one-minute
 * Cache-Control (the chart library with a day), so a regenerated site shows within a minute with
 * no invalidation to pay for.
 */
export class StatusSite extends Construct {
  readonly bucket: Bucket
  readonly distribution: Distribution
  /** Who may see the site; undefined when the deployer made it public. */
  readonly viewers?: SiteViewers
  /** Whether the deployment lets pages show record text (see StatusSiteProps.recordText). */
  readonly recordText: boolean
  private readonly staleAfterHours: number | undefined

  /** The site's address: the distribution's domain, over HTTPS. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}/`
  }

  constructor(scope: Construct, id: string, props: StatusSiteProps) {
    super(scope, id)
    this.recordText = props.recordText === true
    this.staleAfterHours = props.staleAfterHours
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'site/',
      // Generated pages only: the next run writes them again.
      removalPolicy: RemovalPolicy.RETAIN,
    })

    // CloudFront's standard logs are delivered with object ACLs, which a bucket needs enabled.
    const cdnLogs = new Bucket(this, 'CdnLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'site-cdn-logs/',
      lifecycleRules: [{ id: 'expire-cdn-logs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    })

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'sluice status site: HSTS, CSP, no-sniff, frame-deny, no referrer',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentSecurityPolicy: { contentSecurityPolicy: SITE_CSP, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    })
    // Objects carry their own max-age (60 s for pages); the policy only bounds it.
    const cache = new CachePolicy(this, 'Cache', {
      comment: 'sluice status site: honour the objects\' Cache-Control, at most a day',
      defaultTtl: Duration.minutes(1),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(1),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    })

    this.viewers = props.public ? undefined : new SiteViewers(this, 'Viewers')
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'sluice status site',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cache,
        responseHeadersPolicy: headers,
        compress: true,
        // Runs before the cache: a cached page is served only to a viewer who passed too.
        ...(this.viewers ? { functionAssociations: [{ function: this.viewers.checkViewer, eventType: FunctionEventType.VIEWER_REQUEST }] } : {}),
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: cdnLogs,
      logFilePrefix: 'cdn/',
      ...(props.allowedCountries ? { geoRestriction: GeoRestriction.allowlist(...props.allowedCountries) } : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
    })

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        "The site is served on its *.cloudfront.net name with CloudFront's default certificate, whose security policy CloudFront fixes at TLSv1 (a minimum protocol version needs a custom domain with an ACM certificate, which the stack does not own). Viewers are redirected to HTTPS, HSTS is sent, and current browsers negotiate TLS 1.2 or 1.3.",
    })
    if (!props.allowedCountries) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR1',
        reason: props.public
          ? 'The deployer made the site public (sluice:sitePublic); it shows no record text unless sluice:siteRecordText is also set; restricting countries is a per-deployment choice, set with the context sluice:siteAllowedCountries.'
          : 'Only the viewers of the site key value store get in, checked at the edge by the viewer-request function; restricting countries as well is a per-deployment choice, set with the context sluice:siteAllowedCountries.',
      })
    }
    if (!props.webAclArn) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason: 'A static site of a few pages behind CloudFront with GET and HEAD only; a WAF web ACL costs a monthly fee per ACL and is a per-deployment choice, set with the context sluice:siteWebAclArn.',
      })
    }
  }

  /**
   * A function that writes the site's summaries or pages (Load, Site): sets SITE_RECORD_TEXT,
   * the deployment's half of the opt-in to record text.
   */
  bindRecordText(fn: LambdaFunction): void {
    fn.addEnvironment('SITE_RECORD_TEXT', String(this.recordText))
  }

  /** The Site Lambda: write the pages, nothing else. Sets SITE_BUCKET. */
  bindWriter(fn: LambdaFunction): void {
    fn.addEnvironment('SITE_BUCKET', this.bucket.bucketName)
    if (this.staleAfterHours !== undefined) fn.addEnvironment('SLUICE_STALE_AFTER_HOURS', String(this.staleAfterHours))
    const statement = new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('*')] })
    fn.addToRolePolicy(statement)
    if (fn.role) acknowledgeWildcardResources(fn.role, statement, 'Writes the generated pages, one per dataset and raw file, named by data not known at deploy time, in the site bucket only.')
  }
}
