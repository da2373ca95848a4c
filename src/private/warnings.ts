import { Annotations, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { parseModelId, profileServesRegion } from './bedrock-iam';
import { HandlerDefaults, gatewayResponseCorsHeaders } from '../contract';
import { GuardrailStreamMode } from '../guardrail-stream-mode';
import type { StreamingBedrockApiProps } from '../streaming-bedrock-api-props';

/** The API front's settings that are legal but risky (defaults applied). */
export interface ShellRiskySettings {
  readonly endpointType: apigateway.EndpointType;
  readonly logRetention: logs.RetentionDays;
  readonly cors?: apigateway.CorsOptions;
}

/** The Bedrock backend's settings that are legal but risky: the props, with the values the construct resolved. */
export interface BedrockRiskySettings {
  readonly props: StreamingBedrockApiProps;
  /** The default model and the allowed ones. */
  readonly modelIds: string[];
  /** The stack's region (possibly a token: then the profile check is skipped). */
  readonly region: string;
}

const WARNING_PREFIX = 'cdk-streaming-bedrock-api';

type Warn = (id: string, message: string) => void;

/** Warnings with ids `cdk-streaming-bedrock-api:*`, which users can acknowledge. */
function warner(scope: IConstruct): Warn {
  return (id, message) => Annotations.of(scope).addWarningV2(`${WARNING_PREFIX}:${id}`, message);
}

/** Synth warnings for legal but risky settings of the API's front. */
export function warnAboutShellSettings(scope: IConstruct, settings: ShellRiskySettings): void {
  const warn = warner(scope);
  if (settings.endpointType === apigateway.EndpointType.EDGE) {
    warn(
      'edgeEndpoint',
      'endpointType EDGE: edge-optimized endpoints cut a stream after 30 s of silence; REGIONAL allows 5 minutes.',
    );
  }
  if (settings.logRetention === logs.RetentionDays.INFINITE) {
    warn(
      'infiniteLogRetention',
      'logRetention INFINITE: access and handler logs are kept (and billed) forever; consider a retention period.',
    );
  }
  if (settings.cors && Object.keys(gatewayResponseCorsHeaders(settings.cors)).length === 0) {
    warn(
      'corsGatewayErrors',
      `cors.allowOrigins lists ${settings.cors.allowOrigins.length} origins: API Gateway's own 4XX/5XX responses ` +
        '(auth, throttling, integration errors) have static headers, so they carry no CORS headers and browsers ' +
        'cannot read them. Allow one origin if browsers must read those errors.',
    );
  }
}

/** Synth warnings for legal but risky settings of the Bedrock backend. */
export function warnAboutBedrockSettings(scope: IConstruct, settings: BedrockRiskySettings): void {
  const warn = warner(scope);
  const props = settings.props;
  if (props.guardrail?.streamProcessingMode === GuardrailStreamMode.ASYNC) {
    warn(
      'asyncGuardrail',
      'guardrail.streamProcessingMode ASYNC: chunks reach callers before the guardrail has scanned them, and PII cannot be masked.',
    );
  }
  for (const id of profilesOutsideRegion(settings.modelIds, settings.region)) {
    if (parseModelId(id).kind === 'application-profile') {
      warn(
        'applicationInferenceProfileRegion',
        `model id '${id}' is an application inference profile of another region than the stack's region ` +
          `${settings.region}: the handler calls Bedrock in its own region, where this profile does not exist. ` +
          "Use a profile created in the stack's region.",
      );
      continue;
    }
    warn(
      'inferenceProfileRegion',
      `model id '${id}' is an inference profile of another geography than the stack's region ${settings.region}: ` +
        "Bedrock rejects the requests that use it. Use the profile of the stack's geography, or a 'global.' profile.",
    );
  }
  warnAboutBudgetBelowMaxTokens(warn, props);
}

/**
 * A reservation is at least the request's `maxTokens`: a limit below the API's `maxTokens` refuses every request that
 * keeps the default. A limit of 0 is deliberate (only callers with a `limits` item may call) and is not warned about.
 */
function warnAboutBudgetBelowMaxTokens(warn: Warn, props: StreamingBedrockApiProps): void {
  const maxTokens = props.maxTokens ?? HandlerDefaults.MAX_TOKENS;
  for (const name of ['tokensPerMinute', 'tokensPerDay', 'tokensPerMonth'] as const) {
    const limit = props.tokenBudget?.[name];
    if (limit !== undefined && limit > 0 && limit < maxTokens) {
      warn(
        'budgetBelowMaxTokens',
        `tokenBudget.${name} ${limit} is below maxTokens ${maxTokens}: each request reserves its maxTokens before ` +
          'Bedrock is called, so requests that keep the default are refused (429). Raise the limit, or lower maxTokens.',
      );
    }
  }
}

/** Geographic and application profiles that cannot be called from the region; none when the region is unknown until deployment. */
export function profilesOutsideRegion(modelIds: string[], region: string): string[] {
  if (Token.isUnresolved(region)) {
    return [];
  }
  return [...new Set(modelIds)].filter((id) => !profileServesRegion(parseModelId(id), region));
}
