import { Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { validateTokenBudget } from './budget-table';
import { validateAdditionalModelRequestFields } from './model-request-fields';
import {
  fail,
  isUnresolvedValue,
  validateModelId,
  validateNonNegativeFinite,
  validateOrigin,
  validatePositiveInteger,
  validateRange,
} from './validation';
import type { DefaultHandlerOptions, GuardrailOptions, StreamingBedrockApiProps } from '../streaming-bedrock-api';

/** Props that configure the default handler only: with your own handler they would be silently ignored. */
const DEFAULT_HANDLER_ONLY_PROPS: Array<keyof StreamingBedrockApiProps> = [
  'allowedModelIds',
  'maxTokens',
  'temperature',
  'systemPrompt',
  'guardrail',
  'handlerOptions',
  'promptCaching',
  'additionalModelRequestFields',
  'clientTools',
  'openAiCompatible',
  'aiSdkCompatible',
  'allowCallerSystemMessages',
  'tokenBudget',
];

/**
 * Checks every prop that can be checked at synth (timeouts are checked where they are resolved).
 * `servesStreaming`: the API has the streaming function (ResponseMode.STREAMING or BOTH).
 * `servesBuffered`: the API has the buffered endpoint (ResponseMode.BUFFERED or BOTH).
 */
export function validateProps(
  subject: string,
  props: StreamingBedrockApiProps,
  throttle: apigateway.ThrottleSettings,
  servesStreaming: boolean,
  servesBuffered: boolean,
): void {
  if (props.handler) {
    validateBringYourOwnHandler(subject, props, servesBuffered);
  } else {
    validateModelIds(subject, props.modelId, props.allowedModelIds);
  }
  validatePositiveInteger(subject, 'maxTokens', props.maxTokens, 'Use a whole number of tokens >= 1, e.g. 1024.');
  validateRange(subject, 'temperature', props.temperature, 0, 1);
  validateAdditionalModelRequestFields(subject, props.additionalModelRequestFields, props.maxTokens, props.temperature);
  validateProtocols(subject, props, servesStreaming);
  validateThrottle(subject, throttle);
  validateHandlerOptions(subject, props.handlerOptions);
  if (props.guardrail) {
    validateGuardrail(subject, props.guardrail);
  }
  if (props.tokenBudget) {
    validateTokenBudget(subject, props.tokenBudget);
  }
  if (props.cors) {
    validateCors(subject, props.cors);
  }
}

/** The default model is required (the default handler needs one), valid, and one of the allowed ids. */
export function validateModelIds(subject: string, modelId: string | undefined, allowed: string[] | undefined): void {
  if (modelId === undefined) {
    fail(
      subject,
      'modelId',
      modelId,
      "The default handler needs a model: pass modelId, e.g. 'anthropic.claude-3-5-haiku-20241022-v1:0' " +
        '(only a bring-your-own handler may leave it out).',
    );
  }
  validateModelId(subject, 'modelId', modelId);
  if (allowed === undefined) {
    return;
  }
  allowed.forEach((id, i) => validateModelId(subject, `allowedModelIds[${i}]`, id));
  if (!allowed.includes(modelId)) {
    fail(
      subject,
      'modelId',
      modelId,
      `It is not in allowedModelIds ${JSON.stringify(allowed)}: add it there, or pick a default from that list.`,
    );
  }
}

/** Your own handler: `modelId` only for its Bedrock grant; default-handler props and the buffered endpoint fail. */
function validateBringYourOwnHandler(subject: string, props: StreamingBedrockApiProps, servesBuffered: boolean): void {
  if (props.modelId !== undefined) {
    validateModelId(subject, 'modelId', props.modelId);
  }
  const ignored = DEFAULT_HANDLER_ONLY_PROPS.filter((name) => props[name] !== undefined);
  if (ignored.length > 0) {
    fail(
      subject,
      'handler',
      'your own function',
      `${ignored.join(', ')} configure the default handler and would be ignored: remove them, or remove handler.`,
    );
  }
  if (servesBuffered) {
    fail(
      subject,
      'responseMode',
      props.responseMode,
      'The buffered endpoint is served by the default handler: with your own handler use ResponseMode.STREAMING.',
    );
  }
}

/**
 * The protocol routes are served by the streaming function, so they need it; a caller system message exists only
 * in those protocols, so allowing it without them would do nothing.
 */
function validateProtocols(subject: string, props: StreamingBedrockApiProps, servesStreaming: boolean): void {
  for (const name of ['openAiCompatible', 'aiSdkCompatible'] as const) {
    if (props[name] && !servesStreaming) {
      fail(
        subject,
        name,
        true,
        `Its endpoints are served by the streaming function, which ResponseMode.BUFFERED does not create: use ` +
          'ResponseMode.STREAMING or BOTH, or remove it.',
      );
    }
  }
  if (props.allowCallerSystemMessages && !props.openAiCompatible && !props.aiSdkCompatible) {
    fail(
      subject,
      'allowCallerSystemMessages',
      true,
      'Only the OpenAI and AI SDK protocols carry caller system messages (the native protocol never does), and ' +
        'neither is on: set openAiCompatible or aiSdkCompatible, or remove allowCallerSystemMessages.',
    );
  }
}

function validateThrottle(subject: string, throttle: apigateway.ThrottleSettings): void {
  validateNonNegativeFinite(subject, 'throttle.rateLimit', throttle.rateLimit);
  validateNonNegativeFinite(subject, 'throttle.burstLimit', throttle.burstLimit);
  if (throttle.burstLimit !== undefined && !Number.isInteger(throttle.burstLimit)) {
    fail(subject, 'throttle.burstLimit', throttle.burstLimit, 'Use a whole number of requests.');
  }
}

function validateHandlerOptions(subject: string, options: DefaultHandlerOptions | undefined): void {
  if (options?.reservedConcurrentExecutions === 0) {
    fail(
      subject,
      'handlerOptions.reservedConcurrentExecutions',
      0,
      'Zero reserved concurrency disables the function: every request would fail. Use 1 or more, or leave it unset.',
    );
  }
  validatePositiveInteger(
    subject,
    'handlerOptions.reservedConcurrentExecutions',
    options?.reservedConcurrentExecutions,
    'Use a whole number >= 1, or leave it unset.',
  );
  validatePositiveInteger(
    subject,
    'handlerOptions.memorySize',
    options?.memorySize,
    'Use a whole number of MB from 128 to 10240.',
  );
  validateRange(subject, 'handlerOptions.memorySize', options?.memorySize, 128, 10240);
  const bodySize = options?.maxRequestBodySize;
  if (bodySize !== undefined && !Token.isUnresolved(bodySize.toBytes())) {
    const bytes = bodySize.toBytes();
    if (bytes < 1024 || bytes > 6 * 1024 * 1024) {
      fail(
        subject,
        'handlerOptions.maxRequestBodySize',
        `${bytes} bytes`,
        'Use a size from Size.kibibytes(1) to Size.mebibytes(6) (the Lambda payload limit).',
      );
    }
  }
}

function validateGuardrail(subject: string, guardrail: GuardrailOptions): void {
  const { guardrailIdentifier, guardrailVersion } = guardrail;
  if (
    !isUnresolvedValue(guardrailIdentifier) &&
    (typeof guardrailIdentifier !== 'string' || !guardrailIdentifier.trim())
  ) {
    fail(subject, 'guardrail.guardrailIdentifier', guardrailIdentifier, 'Pass the guardrail id or ARN.');
  }
  if (!isUnresolvedValue(guardrailVersion) && !/^([1-9][0-9]{0,7}|DRAFT)$/.test(guardrailVersion ?? '')) {
    fail(
      subject,
      'guardrail.guardrailVersion',
      guardrailVersion,
      "A guardrail needs a version: pass a published version number such as '1', or 'DRAFT'.",
    );
  }
}

/** At least one origin, each a full origin or `*`, and no credentials with `*`. */
export function validateCors(subject: string, cors: apigateway.CorsOptions): void {
  if (cors.allowOrigins.length === 0) {
    fail(
      subject,
      'cors.allowOrigins',
      cors.allowOrigins,
      "List at least one origin, e.g. ['https://app.example.com'].",
    );
  }
  cors.allowOrigins.forEach((origin, i) => validateOrigin(subject, `cors.allowOrigins[${i}]`, origin));
  if (cors.allowCredentials && cors.allowOrigins.includes('*')) {
    fail(
      subject,
      'cors.allowOrigins',
      cors.allowOrigins,
      "allowCredentials cannot be used with origin '*' (browsers reject it and it would expose credentialed " +
        'answers to every site): list the exact origins.',
    );
  }
}
