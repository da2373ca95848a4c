import { Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type * as bedrockagentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { fail, isUnresolvedValue } from './validation';

/** The actions of an invocation: InvokeAgentRuntime, and ...ForUser because every request names its caller. */
export const AGENT_CORE_INVOKE_ACTIONS = [
  'bedrock-agentcore:InvokeAgentRuntime',
  'bedrock-agentcore:InvokeAgentRuntimeForUser',
];

/**
 * A runtime ARN, `arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>`, the id being AgentCore's
 * `<name>-<10 letters or digits>`. Capture groups: region, runtime id.
 */
const RUNTIME_ARN_PATTERN =
  /^arn:aws[a-z-]*:bedrock-agentcore:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:runtime\/([a-zA-Z][a-zA-Z0-9_]{0,99}-[a-zA-Z0-9]{10})$/;

/** An endpoint name (InvokeAgentRuntime's qualifier), as AgentCore names endpoints: `DEFAULT`, `prod`, `v2_canary`. */
const QUALIFIER_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;

const EXAMPLE_ARN = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234';

/** Which runtime the props name. */
export interface RuntimeChoice {
  readonly agentRuntimeArn?: string;
  readonly runtime?: bedrockagentcore.IRuntimeRef;
}

/**
 * The ARN of the runtime the props name: exactly one of `agentRuntimeArn` (checked when literal) and `runtime` (its
 * ARN built from its id, account and region, which works for a CfnRuntime's tokens too).
 */
export function resolveRuntimeArn(subject: string, scope: IConstruct, choice: RuntimeChoice): string {
  const { agentRuntimeArn, runtime } = choice;
  if ((agentRuntimeArn === undefined) === (runtime === undefined)) {
    fail(
      subject,
      'agentRuntimeArn',
      agentRuntimeArn,
      agentRuntimeArn === undefined
        ? `Name the AgentCore runtime to invoke: pass agentRuntimeArn (e.g. '${EXAMPLE_ARN}') or runtime (e.g. a CfnRuntime).`
        : 'It is given together with runtime: pass only one of agentRuntimeArn and runtime.',
    );
  }
  const stackRegion = Stack.of(scope).region;
  if (agentRuntimeArn !== undefined) {
    validateRuntimeArn(subject, agentRuntimeArn, stackRegion);
    return agentRuntimeArn;
  }
  const region = runtime!.env.region;
  if (!Token.isUnresolved(region) && !Token.isUnresolved(stackRegion) && region !== stackRegion) {
    fail(
      subject,
      'runtime',
      `a runtime in ${region}`,
      `The API's handler invokes runtimes of the stack's region (${stackRegion}): put the API in a stack of ${region}.`,
    );
  }
  return Arn.format(
    {
      service: 'bedrock-agentcore',
      region,
      account: runtime!.env.account,
      resource: 'runtime',
      resourceName: runtime!.runtimeRef.agentRuntimeId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    },
    Stack.of(runtime!),
  );
}

/** A literal runtime ARN: a runtime's (not an endpoint's, not another service's), in the stack's region when known. */
function validateRuntimeArn(subject: string, arn: string, stackRegion: string): void {
  if (isUnresolvedValue(arn)) {
    return;
  }
  if (typeof arn !== 'string' || !arn.startsWith('arn:') || arn.split(':')[2] !== 'bedrock-agentcore') {
    fail(
      subject,
      'agentRuntimeArn',
      arn,
      `Pass the ARN of an AgentCore runtime, '${EXAMPLE_ARN}' (the agentRuntimeArn of the runtime, or a CfnRuntime's attrAgentRuntimeArn).`,
    );
  }
  if (arn.includes('/runtime-endpoint/')) {
    fail(
      subject,
      'agentRuntimeArn',
      arn,
      "It is a runtime endpoint's ARN: pass the runtime's ARN (the part before /runtime-endpoint/) and the endpoint " +
        "name as qualifier (AgentCore answers ResourceNotFound when given an endpoint's ARN as the runtime).",
    );
  }
  const match = RUNTIME_ARN_PATTERN.exec(arn);
  if (!match) {
    fail(
      subject,
      'agentRuntimeArn',
      arn,
      `It is not an AgentCore runtime ARN: use the form '${EXAMPLE_ARN}' (the runtime id is its name, a dash and 10 letters or digits).`,
    );
  }
  const region = match[1];
  if (!Token.isUnresolved(stackRegion) && region !== stackRegion) {
    fail(
      subject,
      'agentRuntimeArn',
      arn,
      `The runtime is in ${region} and the stack in ${stackRegion}: the API's handler invokes runtimes of the ` +
        `stack's region, so put the API in a stack of ${region}.`,
    );
  }
}

/** A literal endpoint name follows AgentCore's endpoint name rule (a token is checked by AgentCore at deployment). */
export function validateQualifier(subject: string, qualifier: string | undefined): void {
  if (qualifier === undefined || isUnresolvedValue(qualifier)) {
    return;
  }
  if (typeof qualifier !== 'string' || !QUALIFIER_PATTERN.test(qualifier)) {
    fail(
      subject,
      'qualifier',
      qualifier,
      "Use the name of one of the runtime's endpoints (1 to 48 letters, digits and underscores, starting with a " +
        "letter), e.g. 'DEFAULT'. To call a runtime version, create an endpoint on it and name that endpoint.",
    );
  }
}

/**
 * Exactly the invoke actions on the runtime and its one endpoint, `<runtime ARN>/runtime-endpoint/<qualifier>`, the
 * two resources AgentCore authorizes an invocation against.
 */
export function agentCoreInvokeStatement(runtimeArn: string, qualifier: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: AGENT_CORE_INVOKE_ACTIONS,
    resources: [runtimeArn, `${runtimeArn}/runtime-endpoint/${qualifier}`],
  });
}
