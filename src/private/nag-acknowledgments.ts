import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A cdk-nag finding the construct cannot avoid, with the reason. `findings` narrows it to specific details
 * (for example `Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/x` for AwsSolutions-IAM5).
 */
export interface NagAcknowledgment {
  readonly id: string;
  readonly reason: string;
  readonly findings?: string[];
}

/** X-Ray tracing's grant on `*` (added to a function's role by `tracing: lambda.Tracing.ACTIVE`). */
export const TRACING_ACKNOWLEDGMENT: NagAcknowledgment = {
  id: 'AwsSolutions-IAM5',
  reason: 'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.',
  findings: ['Resource::*'],
};

/** The metadata key of aws-cdk-lib's `Validations.of(c).acknowledge()` (aws-cdk-lib >= 2.257), read by cdk-nag 3. */
const ACKNOWLEDGED_RULES_METADATA_KEY = 'aws:cdk:acknowledged-rules';

/**
 * Records acknowledgments so that both cdk-nag generations honour them:
 * - cdk-nag 3 (a validation plugin) reads construct metadata `aws:cdk:acknowledged-rules` on the resource or any
 *   ancestor, keyed by the exact finding id (`AwsSolutions-IAM5[Resource::...]`). Written directly, since
 *   `Validations` does not exist in the oldest aws-cdk-lib this library supports.
 * - cdk-nag 2 (Aspects) reads the CloudFormation metadata `cdk_nag.rules_to_suppress` of each resource, with
 *   `applies_to` for finding details. Written on every CfnResource under the scope that exists now.
 */
export function acknowledgeNagFindings(scope: IConstruct, acknowledgments: NagAcknowledgment[]): void {
  if (acknowledgments.length === 0) {
    return;
  }
  const v3: Record<string, string> = {};
  for (const { id, reason, findings } of acknowledgments) {
    for (const key of findings ? findings.map((f) => `${id}[${f}]`) : [id]) {
      v3[key] = reason;
    }
  }
  scope.node.addMetadata(ACKNOWLEDGED_RULES_METADATA_KEY, v3);

  const v2 = acknowledgments.map(({ id, reason, findings }) =>
    findings ? { id, reason, applies_to: findings } : { id, reason },
  );
  for (const child of scope.node.findAll()) {
    if (CfnResource.isCfnResource(child)) {
      const existing = (child.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined) ?? {};
      child.addMetadata('cdk_nag', {
        ...existing,
        rules_to_suppress: [...(existing.rules_to_suppress ?? []), ...v2],
      });
    }
  }
}
