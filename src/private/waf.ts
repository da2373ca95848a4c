import { Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { fail, isUnresolvedValue } from './validation';

/** `arn:{partition}:wafv2:{region}:{account}:{scope}/webacl/{name}/{id}`: groups 1 region, 3 scope. */
const WEB_ACL_ARN_PATTERN =
  /^arn:aws[a-z-]*:wafv2:([a-z]{2}(-[a-z]+)+-\d):\d{12}:(regional|global)\/webacl\/[\w-]{1,128}\/[a-fA-F0-9-]{36}$/;

const EXAMPLE = "'arn:aws:wafv2:us-east-1:111122223333:regional/webacl/my-acl/a1b2c3d4-5678-90ab-cdef-111122223333'";

/**
 * A literal `webAclArn` must be a regional WAFv2 web ACL of the stack's region: API Gateway stages take only those.
 * Tokens (for example `acl.attrArn`) are checked by CloudFormation at deployment.
 */
export function validateWebAclArn(subject: string, webAclArn: string | undefined, stackRegion: string): void {
  if (webAclArn === undefined || isUnresolvedValue(webAclArn)) {
    return;
  }
  const match = WEB_ACL_ARN_PATTERN.exec(webAclArn);
  if (!match) {
    fail(
      subject,
      'webAclArn',
      webAclArn,
      `Pass the ARN of a WAFv2 web ACL with scope REGIONAL, e.g. ${EXAMPLE} (acl.attrArn).`,
    );
  }
  if (match[3] === 'global') {
    fail(
      subject,
      'webAclArn',
      webAclArn,
      "This web ACL has scope CLOUDFRONT, which API Gateway stages cannot use: create the web ACL with scope REGIONAL in the stack's region.",
    );
  }
  if (!Token.isUnresolved(stackRegion) && match[1] !== stackRegion) {
    fail(
      subject,
      'webAclArn',
      webAclArn,
      `The web ACL is in ${match[1]} but the API is in ${stackRegion}: a stage takes only a web ACL of its own region; create one there.`,
    );
  }
}

/** Associates the web ACL with the stage (the association waits for the stage to exist). */
export function associateWebAcl(
  scope: Construct,
  stage: apigateway.Stage,
  webAclArn: string,
): wafv2.CfnWebACLAssociation {
  const association = new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
    resourceArn: stage.stageArn,
    webAclArn,
  });
  association.node.addDependency(stage);
  return association;
}
