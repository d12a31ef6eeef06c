import { Stack, Validations } from 'aws-cdk-lib'
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { IConstruct } from 'constructs'
// cdk-nag names a wildcard finding by this rendering of the resource; using it keeps the IDs equal.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference'

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each wildcard resource of `statement`,
 * on `scope` (the role or a construct above it), with `reason`. cdk-nag v3 wants each finding
 * acknowledged by its own ID, such as `AwsSolutions-IAM5[Resource::<RawBucket.Arn>/*]`.
 */
export function acknowledgeWildcardResources(scope: IConstruct, statement: PolicyStatement, reason: string): void {
  const stack = Stack.of(scope)
  for (const resource of statement.resources) {
    const flat = flattenCfnReference(stack.resolve(resource))
    if (flat.includes('*')) Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason })
  }
}
