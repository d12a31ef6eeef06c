import { fileURLToPath } from 'node:url'
import { Function as CloudFrontFunction, FunctionCode, FunctionRuntime, KeyValueStore } from 'aws-cdk-lib/aws-cloudfront'
import { Construct } from 'constructs'

/** The viewer-request function's source, run as it is by CloudFront (and by the tests, in Node). */
export const CHECK_VIEWER_SOURCE = fileURLToPath(new URL('./site-viewers/check-viewer.js', import.meta.url))

/**
 * Who may see the status site: a CloudFront key value store of viewers (name → hex SHA-256 of
 * `<name>:<password>`), and the viewer-request function that lets through only requests
 * carrying the HTTP Basic credentials of one of them. Viewers are added and revoked in the
 * store; no deploy is needed, and a change reaches the edge in seconds.
 */
export class SiteViewers extends Construct {
  readonly store: KeyValueStore
  readonly checkViewer: CloudFrontFunction

  constructor(scope: Construct, id: string) {
    super(scope, id)
    this.store = new KeyValueStore(this, 'Store', { comment: 'sluice status site viewers: name -> sha256 hex of name:password' })
    this.checkViewer = new CloudFrontFunction(this, 'CheckViewer', {
      comment: 'sluice status site: HTTP Basic viewers of the key value store, 401 otherwise',
      code: FunctionCode.fromFile({ filePath: CHECK_VIEWER_SOURCE }),
      runtime: FunctionRuntime.JS_2_0,
      keyValueStore: this.store,
    })
  }
}
