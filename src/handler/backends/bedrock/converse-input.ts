/**
 * The ConverseStream request: the caller's validated ChatRequest plus what only the operator sets (system prompt,
 * guardrail, prompt caching, additional model fields).
 */
import type {
  ContentBlock,
  ConverseStreamCommandInput,
  Message,
  SystemContentBlock,
  Tool,
  ToolChoice,
  ToolConfiguration,
} from '@aws-sdk/client-bedrock-runtime';
import type { ChatRequest, ChatToolChoice } from '../../chat';
import type { HandlerConfig } from '../../config';

/** Smithy's JSON document type, as the client names it. */
type DocumentType = NonNullable<ConverseStreamCommandInput['additionalModelRequestFields']>;

/** Where prompt caching puts its cache points: after the system prompt and after the tools. */
const CACHE_POINT = { cachePoint: { type: 'default' } } as const;

export function converseStreamInput(request: ChatRequest, config: HandlerConfig): ConverseStreamCommandInput {
  return {
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
    additionalModelRequestFields: config.additionalModelRequestFields as DocumentType | undefined,
    guardrailConfig: config.guardrail && {
      ...config.guardrail,
      trace: config.guardrail.trace ? 'enabled' : 'disabled',
    },
  };
}

/** Our blocks are Converse's shapes (bytes stay Uint8Array: the SDK base64-encodes them); its unions add `$unknown`. */
function converseMessages(request: ChatRequest): Message[] {
  return request.messages.map((message) => ({ role: message.role, content: message.content as ContentBlock[] }));
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
  blocks.push(...(request.callerSystem ?? []).map((text) => ({ text })));
  return blocks.length ? blocks : undefined;
}

function toolConfig(request: ChatRequest, promptCaching: boolean): ToolConfiguration | undefined {
  if (request.tools === undefined) {
    return undefined;
  }
  const tools: Tool[] = request.tools.map((tool) => ({
    toolSpec: {
      name: tool.name,
      description: tool.description,
      inputSchema: { json: tool.inputSchema as DocumentType },
    },
  }));
  return {
    tools: promptCaching ? [...tools, CACHE_POINT] : tools,
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
