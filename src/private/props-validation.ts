import { Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { validateTokenBudget } from './budget-table';
import { validateAdditionalModelRequestFields } from './model-request-fields';
import { validatePricing } from './pricing';
import { fail, isUnresolvedValue, validateModelId, validatePositiveInteger, validateRange } from './validation';
import { CLIENT_PROTOCOLS, type ProtocolDescriptor } from '../contract';
import type { DefaultHandlerOptions } from '../default-handler-options';
import type { GuardrailOptions } from '../guardrail-options';
import type { StreamingBedrockApiProps } from '../streaming-bedrock-api-props';

/** Props that configure the default handler only: with your own handler they would be silently ignored. */
const DEFAULT_HANDLER_ONLY_PROPS: Array<keyof StreamingBedrockApiProps> = [
  'allowedModelIds',
  'fallbackModelIds',
  'maxTokens',
  'temperature',
  'systemPrompt',
  'guardrail',
  'handlerOptions',
  'promptCaching',
  'additionalModelRequestFields',
  'clientTools',
  'allowCallerSystemMessages',
  'tokenBudget',
  'pricing',
];

/**
 * Who answers the streaming routes, so that the types carry the rule `validateProps` checks: your own function, or
 * the default handler, which always has a model.
 */
export type HandlerChoice =
  { readonly kind: 'own'; readonly handler: lambda.IFunction } | { readonly kind: 'default'; readonly modelId: string };

/**
 * Checks every prop that can be checked at synth (timeouts are checked where they are resolved, the API's front in
 * ApiShell), and returns who answers. `servesStreaming`: the API has the streaming function (ResponseMode.STREAMING
 * or BOTH). `servesBuffered`: the API has the buffered endpoint (ResponseMode.BUFFERED or BOTH).
 */
export function validateProps(
  subject: string,
  props: StreamingBedrockApiProps,
  servesStreaming: boolean,
  servesBuffered: boolean,
): HandlerChoice {
  validateProtocols(subject, props, servesStreaming);
  const choice = validateHandlerChoice(subject, props, servesBuffered);
  validatePositiveInteger(subject, 'maxTokens', props.maxTokens, 'Use a whole number of tokens >= 1, e.g. 1024.');
  validateRange(subject, 'temperature', props.temperature, 0, 1);
  validateAdditionalModelRequestFields(subject, props.additionalModelRequestFields, props.maxTokens, props.temperature);
  validateHandlerOptions(subject, props.handlerOptions);
  if (props.guardrail) {
    validateGuardrail(subject, props.guardrail);
  }
  if (props.tokenBudget) {
    validateTokenBudget(subject, props.tokenBudget);
  }
  if (choice.kind === 'default') {
    validateFallbackModelIds(subject, choice.modelId, props.fallbackModelIds);
    const modelIds = [choice.modelId, ...(props.allowedModelIds ?? []), ...(props.fallbackModelIds ?? [])];
    validatePricing(subject, props, [...new Set(modelIds)]);
  }
  return choice;
}

function validateHandlerChoice(
  subject: string,
  props: StreamingBedrockApiProps,
  servesBuffered: boolean,
): HandlerChoice {
  if (props.handler) {
    validateBringYourOwnHandler(subject, props, servesBuffered);
    return { kind: 'own', handler: props.handler };
  }
  return { kind: 'default', modelId: validateModelIds(subject, props.modelId, props.allowedModelIds) };
}

/** The default model is required (the default handler needs one), valid, and one of the allowed ids: returns it. */
export function validateModelIds(subject: string, modelId: string | undefined, allowed: string[] | undefined): string {
  if (modelId === undefined) {
    fail(
      subject,
      'modelId',
      modelId,
      "The default handler needs a model: pass modelId, e.g. 'us.anthropic.claude-haiku-4-5-20251001-v1:0' " +
        '(only a bring-your-own handler may leave it out).',
    );
  }
  validateModelId(subject, 'modelId', modelId);
  if (allowed === undefined) {
    return modelId;
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
  return modelId;
}

/**
 * Each fallback is a valid model id, listed once, and not the default model it backs up (an allowed model may be one:
 * a request for it skips itself).
 */
export function validateFallbackModelIds(subject: string, modelId: string, fallbacks: string[] | undefined): void {
  (fallbacks ?? []).forEach((id, i) => {
    validateModelId(subject, `fallbackModelIds[${i}]`, id);
    if (id === modelId) {
      fail(subject, `fallbackModelIds[${i}]`, id, 'It is modelId itself: a fallback must be another model.');
    }
    if (fallbacks!.indexOf(id) !== i) {
      fail(subject, `fallbackModelIds[${i}]`, id, 'It is listed twice: list each fallback once.');
    }
  });
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
  if (props.dashboard) {
    fail(
      subject,
      'dashboard',
      true,
      "The dashboard shows the default handler's metrics and log lines, which your own handler does not publish: " +
        "remove dashboard, or remove handler (or build a cloudwatch.Dashboard from api.handler's metrics).",
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
 * Each listed protocol is known and listed once; its routes are served by the default handler's streaming function,
 * so they need it. A caller system message exists only in some protocols: allowing it without one would do nothing.
 */
function validateProtocols(subject: string, props: StreamingBedrockApiProps, servesStreaming: boolean): void {
  const listed: readonly string[] = props.protocols ?? [];
  listed.forEach((id, i) => {
    if (!CLIENT_PROTOCOLS.some((p) => p.id === id)) {
      fail(subject, `protocols[${i}]`, id, `Use one of ${enumNames(CLIENT_PROTOCOLS)}.`);
    }
  });
  const twice = listed.find((id, i) => listed.indexOf(id) !== i);
  if (twice !== undefined) {
    fail(subject, 'protocols', listed, `It lists ClientProtocol.${twice} twice: list each protocol once.`);
  }
  if (listed.length > 0 && props.handler) {
    fail(
      subject,
      'protocols',
      listed,
      'The client protocols are spoken by the default handler, and your own handler serves POST /stream only: ' +
        'remove protocols, or remove handler.',
    );
  }
  if (listed.length > 0 && !servesStreaming) {
    fail(
      subject,
      'protocols',
      listed,
      'Their endpoints are served by the streaming function, which ResponseMode.BUFFERED does not create: use ' +
        'ResponseMode.STREAMING or BOTH, or remove protocols.',
    );
  }
  const withSystemMessages = CLIENT_PROTOCOLS.filter((p) => p.callerSystemMessages);
  if (props.allowCallerSystemMessages && !withSystemMessages.some((p) => listed.includes(p.id))) {
    fail(
      subject,
      'allowCallerSystemMessages',
      true,
      `Only the protocols ${enumNames(withSystemMessages)} carry caller system messages (the native protocol never ` +
        'does), and protocols lists none of them: add one to protocols, or remove allowCallerSystemMessages.',
    );
  }
}

/** `ClientProtocol.A or ClientProtocol.B`, for messages. */
function enumNames(protocols: readonly ProtocolDescriptor[]): string {
  return protocols.map((p) => `ClientProtocol.${p.id}`).join(' or ');
}

/** The function options both constructs' `handlerOptions` share (DefaultHandlerOptions, AgentCoreHandlerOptions). */
export function validateHandlerOptions(
  subject: string,
  options:
    Pick<DefaultHandlerOptions, 'reservedConcurrentExecutions' | 'memorySize' | 'maxRequestBodySize'> | undefined,
): void {
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
