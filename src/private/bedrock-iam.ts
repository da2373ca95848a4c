import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TRACING_ACKNOWLEDGMENT, type NagAcknowledgment } from './nag-acknowledgments';
import { APPLICATION_PROFILE_ARN_PATTERN } from './validation';

/**
 * Prefixes of Bedrock system-defined cross-region inference profiles. `global.` routes to any commercial region;
 * the others are geographic: a profile can be called only from a source region of its geography (its destination
 * regions are chosen by Bedrock and change over time). Each maps to the region name prefixes it may serve.
 */
const GEOGRAPHIC_PROFILE_REGIONS: Record<string, readonly string[]> = {
  // ca- too: some US profiles take calls from Canada (Central); a warning must not be wrong.
  us: ['us-east-', 'us-west-', 'ca-'],
  'us-gov': ['us-gov-'],
  eu: ['eu-'],
  apac: ['ap-'],
  jp: ['ap-northeast-1', 'ap-northeast-3'],
  au: ['ap-southeast-2', 'ap-southeast-4'],
  ca: ['ca-'],
};
const GLOBAL_PROFILE_PREFIX = 'global';

/** ConverseStream is authorized by InvokeModelWithResponseStream (the buffered endpoint streams too). */
export const BEDROCK_STREAM_ACTIONS = ['bedrock:InvokeModelWithResponseStream'];

export interface ParsedModelId {
  /** The id as configured. */
  readonly id: string;
  /**
   * The foundation model id (the id without the profile prefix). Unknown at synth for an application inference
   * profile: the profile's model source is not part of its ARN.
   */
  readonly foundationModelId?: string;
  /** The kind of id. */
  readonly kind: 'foundation-model' | 'geographic-profile' | 'global-profile' | 'application-profile';
  /** The profile prefix (`us`, `eu`, `global` ...), for system profiles. */
  readonly profilePrefix?: string;
  /** The region and account of an application inference profile, from its ARN. */
  readonly region?: string;
  readonly account?: string;
}

/** Splits a model id into its profile prefix (if any) and foundation model id. */
export function parseModelId(id: string): ParsedModelId {
  const applicationProfile = APPLICATION_PROFILE_ARN_PATTERN.exec(id);
  if (applicationProfile) {
    return { id, kind: 'application-profile', region: applicationProfile[2], account: applicationProfile[4] };
  }
  const firstDot = id.indexOf('.');
  const prefix = id.slice(0, firstDot);
  const rest = id.slice(firstDot + 1);
  // A profile id is "<prefix>.<provider>.<model>": the prefix is followed by a full foundation model id.
  const hasProviderAfterPrefix = rest.includes('.');
  if (hasProviderAfterPrefix && prefix === GLOBAL_PROFILE_PREFIX) {
    return { id, foundationModelId: rest, kind: 'global-profile', profilePrefix: prefix };
  }
  if (hasProviderAfterPrefix && Object.keys(GEOGRAPHIC_PROFILE_REGIONS).includes(prefix)) {
    return { id, foundationModelId: rest, kind: 'geographic-profile', profilePrefix: prefix };
  }
  return { id, foundationModelId: id, kind: 'foundation-model' };
}

/**
 * Whether a geographic profile can be called from `region` (a stack region such as `eu-west-1`). Always true for
 * on-demand models and global profiles: this checks geography only, not which models a region offers.
 */
export function profileServesRegion(parsed: ParsedModelId, region: string): boolean {
  if (parsed.kind === 'application-profile') {
    // The handler calls Bedrock in its own region, where a profile made in another region does not exist.
    return parsed.region === region;
  }
  if (parsed.kind !== 'geographic-profile') {
    return true;
  }
  return GEOGRAPHIC_PROFILE_REGIONS[parsed.profilePrefix!].some((prefix) => region.startsWith(prefix));
}

/**
 * The least-privilege statements that let a function call ConverseStream on exactly these model ids:
 * - on-demand model: its foundation-model ARN in the stack's region;
 * - geographic profile: the profile ARN, plus the foundation model in any region, but only through that profile
 *   (condition `bedrock:InferenceProfileArn`), since the destination regions are chosen by Bedrock;
 * - global profile: the profile ARN, plus the regional and region-less foundation-model ARNs through that profile;
 * - application inference profile: see applicationProfileStatement.
 */
export function bedrockInvokeStatements(stack: Stack, modelIds: string[]): iam.PolicyStatement[] {
  const foundationModelArn = (modelId: string, region?: string) =>
    stack.formatArn({
      service: 'bedrock',
      account: '',
      region,
      resource: 'foundation-model',
      resourceName: modelId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  const profileArn = (profileId: string) =>
    stack.formatArn({
      service: 'bedrock',
      resource: 'inference-profile',
      resourceName: profileId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

  const direct: string[] = [];
  const statements: iam.PolicyStatement[] = [];
  for (const parsed of [...new Set(modelIds)].map(parseModelId)) {
    if (parsed.kind === 'foundation-model') {
      direct.push(foundationModelArn(parsed.id));
      continue;
    }
    if (parsed.kind === 'application-profile') {
      direct.push(parsed.id);
      statements.push(applicationProfileStatement(stack, parsed));
      continue;
    }
    const profile = profileArn(parsed.id);
    direct.push(profile);
    const routedModels =
      parsed.kind === 'global-profile'
        ? [foundationModelArn(parsed.foundationModelId!), foundationModelArn(parsed.foundationModelId!, '')]
        : [foundationModelArn(parsed.foundationModelId!, '*')];
    statements.push(
      new iam.PolicyStatement({
        actions: BEDROCK_STREAM_ACTIONS,
        resources: routedModels,
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profile } },
      }),
    );
  }
  if (direct.length > 0) {
    statements.unshift(new iam.PolicyStatement({ actions: BEDROCK_STREAM_ACTIONS, resources: direct }));
  }
  return statements;
}

/**
 * What an application inference profile routes to, reachable only through that profile. Its model source (a
 * foundation model, or a system inference profile it copies) is not in its ARN, so any foundation model in any
 * region and any system profile of the account are granted, with the condition `bedrock:InferenceProfileArn` equal
 * to the profile ARN. Bedrock's "Prerequisites for inference profiles" (docs.aws.amazon.com/bedrock/latest/userguide/
 * inference-profiles-prereq.html): a role that invokes a profile needs the profile and the foundation model in each
 * region it routes to, and this condition key restricts foundation-model access to calls through the profile.
 */
function applicationProfileStatement(stack: Stack, parsed: ParsedModelId): iam.PolicyStatement {
  const anyRegion = (account: string, resource: string) =>
    stack.formatArn({
      service: 'bedrock',
      account,
      region: '*',
      resource,
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  return new iam.PolicyStatement({
    actions: BEDROCK_STREAM_ACTIONS,
    resources: [anyRegion('', 'foundation-model'), anyRegion(parsed.account!, 'inference-profile')],
    conditions: { StringEquals: { 'bedrock:InferenceProfileArn': parsed.id } },
  });
}

/** `bedrock:ApplyGuardrail` on exactly the configured guardrail. */
export function guardrailStatement(stack: Stack, guardrailIdentifier: string): iam.PolicyStatement {
  const arn = guardrailIdentifier.startsWith('arn:')
    ? guardrailIdentifier
    : stack.formatArn({
        service: 'bedrock',
        resource: 'guardrail',
        resourceName: guardrailIdentifier,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
  return new iam.PolicyStatement({ actions: ['bedrock:ApplyGuardrail'], resources: [arn] });
}

/**
 * cdk-nag AwsSolutions-IAM5 findings that least privilege cannot avoid: cross-region profiles reach the model in
 * regions Bedrock picks, application inference profiles reach a model source their ARN does not name (both scoped by
 * the profile condition), and X-Ray accepts no resource scoping.
 */
export function bedrockAcknowledgments(modelIds: string[], tracing: boolean): NagAcknowledgment[] {
  const parsed = [...new Set(modelIds)].map(parseModelId);
  const routed = parsed
    .filter((m) => m.kind === 'geographic-profile')
    .map((m) => `Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${m.foundationModelId}`);
  const applicationRouted = parsed
    .filter((m) => m.kind === 'application-profile')
    .flatMap((m) => [
      'Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/*',
      `Resource::arn:<AWS::Partition>:bedrock:*:${m.account}:inference-profile/*`,
    ]);
  const acknowledgments: NagAcknowledgment[] = [];
  if (routed.length > 0) {
    acknowledgments.push({
      id: 'AwsSolutions-IAM5',
      reason:
        'A cross-region inference profile routes to its foundation model in destination regions chosen by Bedrock; ' +
        'the statement is limited to that model and, by the bedrock:InferenceProfileArn condition, to calls through the configured profile.',
      findings: [...new Set(routed)],
    });
  }
  if (applicationRouted.length > 0) {
    acknowledgments.push({
      id: 'AwsSolutions-IAM5',
      reason:
        'An application inference profile routes to a foundation model (or a system inference profile) that its ARN ' +
        'does not name; the statement is limited, by the bedrock:InferenceProfileArn condition, to calls through the configured profile.',
      findings: [...new Set(applicationRouted)],
    });
  }
  if (tracing) {
    acknowledgments.push(TRACING_ACKNOWLEDGMENT);
  }
  return acknowledgments;
}
