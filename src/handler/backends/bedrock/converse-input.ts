/**
 * The ConverseStream request: the caller's validated ChatRequest plus what only the operator sets (system prompt,
 * guardrail, prompt caching, additional model fields).
 */
import type {
  ContentBlock,
  ConverseStreamCommandInput,
  Message,
  OutputConfig,
  SystemContentBlock,
  Tool,
  ToolChoice,
  ToolConfiguration,
} from '@aws-sdk/client-bedrock-runtime';
import { placeConversationCachePoints } from './cache-points';
import type { ChatRequest, ChatToolChoice } from '../../chat';
import type { HandlerConfig } from '../../config';

/** Smithy's JSON document type, as the client names it. */
type DocumentType = NonNullable<ConverseStreamCommandInput['additionalModelRequestFields']>;

/** Prompt caching's point after the system prompt and after the tools (the conversation's: cache-points.ts). */
const CACHE_POINT = { cachePoint: { type: 'default' } } as const;

/** Bedrock refuses a request with more cache points than this. */
export const MAX_CACHE_POINTS = 4;

export function converseStreamInput(request: ChatRequest, config: HandlerConfig): ConverseStreamCommandInput {
  const input: ConverseStreamCommandInput = {
    modelId: request.modelId,
    messages: converseMessages(request),
    system: systemBlocks(request, config),
    inferenceConfig: {
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      topP: request.topP,
      stopSequences: request.stopSequences,
    },
    toolConfig: toolConfig(request, config.promptCaching),
    additionalModelRequestFields: modelFields(request, config),
    outputConfig: outputConfig(request),
    guardrailConfig: config.guardrail && {
      ...config.guardrail,
      trace: config.guardrail.trace ? 'enabled' : 'disabled',
    },
  };
  limitCachePoints(input);
  if (config.promptCaching) {
    placeConversationCachePoints(input, { modelId: request.modelId, limit: MAX_CACHE_POINTS });
  }
  return input;
}

/** The caller's protocol's model fields under the operator's: on a shared key the operator's value is sent. */
function modelFields(request: ChatRequest, config: HandlerConfig): DocumentType | undefined {
  if (request.modelFields === undefined) {
    return config.additionalModelRequestFields as DocumentType | undefined;
  }
  return { ...request.modelFields, ...config.additionalModelRequestFields } as DocumentType;
}

/** Structured output: the schema travels as a JSON string (Bedrock's `JsonSchemaDefinition.schema`). */
function outputConfig(request: ChatRequest): OutputConfig | undefined {
  const output = request.outputSchema;
  if (output === undefined) {
    return undefined;
  }
  const jsonSchema = { schema: JSON.stringify(output.schema), name: output.name, description: output.description };
  return { textFormat: { type: 'json_schema', structure: { jsonSchema } } };
}

/**
 * At most MAX_CACHE_POINTS cache points, the operator's and the callers' together. Beyond that the earliest in
 * prompt order (tools, system, messages) are dropped: each is merged into the next one, whose cached prefix contains
 * its own, so only the cache's granularity changes, never the answer.
 */
function limitCachePoints(input: ConverseStreamCommandInput): void {
  const lists: Array<Array<{ cachePoint?: unknown }>> = [
    input.toolConfig?.tools ?? [],
    input.system ?? [],
    ...(input.messages ?? []).map((message) => message.content ?? []),
  ];
  let excess = lists.reduce((sum, list) => sum + list.filter((b) => b.cachePoint).length, 0) - MAX_CACHE_POINTS;
  for (const list of lists) {
    for (let i = 0; i < list.length && excess > 0;) {
      if (list[i].cachePoint) {
        list.splice(i, 1);
        excess--;
      } else {
        i++;
      }
    }
  }
}

/**
 * Our blocks are Converse's shapes (bytes stay Uint8Array: the SDK base64-encodes them); its unions add `$unknown`.
 * Each content list is a copy, which limitCachePoints may shorten.
 */
function converseMessages(request: ChatRequest): Message[] {
  return request.messages.map((message) => ({ role: message.role, content: [...message.content] as ContentBlock[] }));
}

/** The operator's system prompt (and its cache point) first; a caller's system messages, when allowed, after it. */
function systemBlocks(request: ChatRequest, config: HandlerConfig): SystemContentBlock[] | undefined {
  const blocks: SystemContentBlock[] = [];
  if (config.systemPrompt) {
    blocks.push({ text: config.systemPrompt });
    if (config.promptCaching) {
      blocks.push(CACHE_POINT);
    }
  }
  blocks.push(...(request.callerSystem ?? []).map((block) => (typeof block === 'string' ? { text: block } : block)));
  return blocks.length ? blocks : undefined;
}

function toolConfig(request: ChatRequest, promptCaching: boolean): ToolConfiguration | undefined {
  if (request.tools === undefined) {
    return undefined;
  }
  const tools: Tool[] = request.tools.flatMap((tool) => {
    const spec: Tool = {
      toolSpec: {
        name: tool.name,
        description: tool.description,
        inputSchema: { json: tool.inputSchema as DocumentType },
        strict: tool.strict,
      },
    };
    return tool.cachePoint ? [spec, CACHE_POINT] : [spec];
  });
  // The operator's point after the tools, unless the caller's last tool already carries one there.
  const cachedAlready = request.tools[request.tools.length - 1]?.cachePoint === true;
  return {
    tools: promptCaching && !cachedAlready ? [...tools, CACHE_POINT] : tools,
    toolChoice: request.toolChoice === undefined ? undefined : converseToolChoice(request.toolChoice),
  };
}

function converseToolChoice(choice: ChatToolChoice): ToolChoice {
  if (choice === 'auto') {
    return { auto: {} };
  }
  if (choice === 'any') {
    return { any: {} };
  }
  return { tool: { name: choice.tool } };
}
