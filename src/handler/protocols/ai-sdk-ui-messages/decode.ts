/**
 * The AI SDK's request (`DefaultChatTransport`: `{id, messages: UIMessage[], trigger, messageId}` plus the app's
 * `body` fields `modelId`, `tools`, `toolChoice`, `outputSchema`) as the neutral ChatRequest. A UIMessage holds a whole step list:
 * an assistant message with tool parts becomes the assistant turn with its tool calls, and their outputs become the
 * tool results of the following user turn (Converse's shape). Errors name the field, never quote its value.
 */
import { randomUUID } from 'crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { publicModelId, type ChatContentBlock, type ChatMessage, type ChatRequest } from '../../chat';
import type { HandlerConfig } from '../../config';
import { invalidRequest } from '../../errors';
import { contentBlock, decodeBase64 } from '../../request/content';
import { checkConversation, type BlockPath } from '../../request/conversation';
import { readJsonBody } from '../../request/http';
import { nonBlankText } from '../../request/json-shape';
import { RequestLimits } from '../../request/limits';
import { checkMagicBytes } from '../../request/magic-bytes';
import { callerSystemText, checkThinkingRules, validateModelId } from '../../request/operator';
import { validateOutputSchema } from '../../request/output-schema';
import { toolField, validateToolChoice, validateTools } from '../../request/tools';
import type { Decode } from '../unit';
import { uiMessageStreamEncoder } from './encode';
import {
  ALLOWED_FIELDS,
  CLIENT_ID,
  DISPLAY_ONLY,
  DOCUMENT_TYPES,
  IMAGE_TYPES,
  MESSAGE_FIELDS,
  TRIGGERS,
} from './rules';

/** `POST /chat`: the answer as a UI message stream, continuing the client's assistant message when it names one. */
export const decodeUiMessages: Decode = (event: APIGatewayProxyEvent, config) => {
  const { request, continuesMessageId } = decodeAiSdkRequest(readJsonBody(event, config.maxRequestBytes), config);
  const messageId = continuesMessageId ?? `msg_${randomUUID().replace(/-/g, '')}`;
  return { request, encoder: uiMessageStreamEncoder(messageId, publicModelId(request.modelId)) };
};

/** A decoded AI SDK request: the neutral request, and the id of the assistant message the answer continues. */
export interface AiSdkRequest {
  readonly request: ChatRequest;
  readonly continuesMessageId?: string;
}

export function decodeAiSdkRequest(value: unknown, config: HandlerConfig): AiSdkRequest {
  const body = requestBody(value);
  clientId(body.id, 'id');
  if (!TRIGGERS.includes(body.trigger as string)) {
    throw invalidRequest('invalid_value', `trigger must be one of: ${TRIGGERS.join(', ')}.`, 'trigger');
  }
  const messageId = body.messageId === undefined ? undefined : clientId(body.messageId, 'messageId');
  const modelId = validateModelId(body.modelId, config);
  const tools = validateTools(toolField(body, 'tools', config), 'tools');
  const toolChoice = validateToolChoice(toolField(body, 'toolChoice', config), tools, 'toolChoice');
  checkThinkingRules({ toolChoice }, config.additionalModelRequestFields, {
    maxTokens: 'maxTokens',
    temperature: 'temperature',
    topP: 'topP',
    toolChoice: 'toolChoice',
  });
  const conversation = new Conversation(config);
  const history = uiMessages(body.messages);
  history.forEach((message, i) => conversation.add(message, `messages[${i}]`));
  const messages = conversation.finish();
  checkConversation(messages, conversation.path, tools !== undefined);
  const request: ChatRequest = {
    modelId,
    messages,
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    tools,
    toolChoice,
    outputSchema: validateOutputSchema(body.outputSchema, 'outputSchema'),
    callerSystem: conversation.system.length ? conversation.system : undefined,
  };
  return { request, continuesMessageId: continuedMessage(history, messageId) };
}

/**
 * The assistant message the answer continues: `messageId` when it names the last message, an assistant's (after
 * addToolOutput). With submit on an edited user message or regenerate it names another message: a new answer.
 */
function continuedMessage(history: readonly UiMessage[], messageId: string | undefined): string | undefined {
  const last = history[history.length - 1];
  return messageId !== undefined && last.role === 'assistant' && last.id === messageId ? messageId : undefined;
}

function requestBody(value: unknown): Record<string, unknown> {
  const body = object(value, 'body', 'The request body must be a JSON object with messages (the AI SDK chat body).');
  if (Object.keys(body).some((key) => !ALLOWED_FIELDS.includes(key))) {
    throw invalidRequest(
      'unknown_field',
      `The request has a field that is not accepted. Accepted fields: ${ALLOWED_FIELDS.join(', ')}.`,
    );
  }
  return body;
}

function clientId(value: unknown, param: string): string {
  if (typeof value !== 'string' || !CLIENT_ID.test(value)) {
    throw invalidRequest('invalid_value', `${param} must be 1 to 128 letters, digits, underscores or hyphens.`, param);
  }
  return value;
}

interface UiMessage {
  readonly id: unknown;
  readonly role: 'system' | 'user' | 'assistant';
  readonly parts: Array<Record<string, unknown>>;
}

function uiMessages(value: unknown): UiMessage[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > RequestLimits.MAX_MESSAGES) {
    throw invalidRequest(
      'invalid_value',
      `messages must be an array of 1 to ${RequestLimits.MAX_MESSAGES} UI messages.`,
      'messages',
    );
  }
  return value.map((message, i) => uiMessage(message, `messages[${i}]`));
}

function uiMessage(value: unknown, param: string): UiMessage {
  const message = object(value, param, 'Each message must be an object with id, role and parts.');
  if (Object.keys(message).some((key) => !MESSAGE_FIELDS.includes(key))) {
    throw invalidRequest('unknown_field', `A message may only have the fields ${MESSAGE_FIELDS.join(', ')}.`, param);
  }
  if (!['system', 'user', 'assistant'].includes(message.role as string)) {
    throw invalidRequest('invalid_value', "role must be 'system', 'user' or 'assistant'.", `${param}.role`);
  }
  const parts = message.parts;
  // Display parts (step-start, sources, data) ride along with the content: room for twice the content cap.
  const maxParts = RequestLimits.MAX_CONTENT_BLOCKS * 2;
  if (!Array.isArray(parts) || parts.length > maxParts) {
    throw invalidRequest('invalid_value', `parts must be an array of at most ${maxParts} parts.`, `${param}.parts`);
  }
  parts.forEach((part, j) => object(part, `${param}.parts[${j}]`, 'Each part must be an object with a type.'));
  return { id: message.id, role: message.role as UiMessage['role'], parts };
}

/**
 * Builds the Converse turns from UI messages: consecutive blocks of one role share a turn, tool results wait for
 * the next user turn (or make one), and each block remembers the part it came from for error messages.
 */
class Conversation {
  readonly messages: Array<{ role: ChatMessage['role']; content: ChatContentBlock[]; parts: string[] }> = [];
  readonly system: string[] = [];
  private results: Array<{ block: ChatContentBlock; part: string }> = [];
  private documents = 0;

  constructor(private readonly config: HandlerConfig) {}

  readonly path: BlockPath = (message, block, field) =>
    `${this.messages[message].parts[block]}${field === 'toolResult.toolUseId' ? '.toolCallId' : ''}`;

  add(message: UiMessage, param: string): void {
    message.parts.forEach((part, j) => this.addPart(message.role, part, `${param}.parts[${j}]`));
  }

  finish(): ChatMessage[] {
    this.flushResults();
    if (this.messages.length === 0 || this.messages[0].role !== 'user') {
      throw invalidRequest('invalid_value', 'The conversation must start with a user message.', 'messages');
    }
    const max = RequestLimits.MAX_CONTENT_BLOCKS;
    const crowded = this.messages.find((message) => message.content.length > max);
    if (crowded) {
      throw invalidRequest('invalid_value', `A turn may hold at most ${max} content blocks.`, crowded.parts[max]);
    }
    return this.messages.map(({ role, content }) => ({ role, content }));
  }

  private addPart(role: UiMessage['role'], part: Record<string, unknown>, param: string): void {
    const type = part.type;
    if (typeof type !== 'string') {
      throw invalidRequest('invalid_type', `${param}.type must be a string.`, `${param}.type`);
    }
    if (DISPLAY_ONLY(type)) {
      return;
    }
    if (role === 'system') {
      this.system.push(this.systemText(type, part, param));
    } else if (type === 'text') {
      this.push(role, { text: nonBlankText(part.text, `${param}.text`) }, param);
    } else if (type === 'file' && role === 'user') {
      this.push(role, this.file(part, param), param);
    } else if (type === 'reasoning' && role === 'assistant') {
      this.reasoning(part, param);
    } else if ((type.startsWith('tool-') || type === 'dynamic-tool') && role === 'assistant') {
      this.tool(part, param);
    } else {
      throw invalidRequest(
        'invalid_value',
        `${param} is a part type this API does not accept in ${role} messages. User messages: text, file; ` +
          'assistant messages: text, reasoning, tool parts (step-start, source and data parts are skipped).',
        `${param}.type`,
      );
    }
  }

  private systemText(type: string, part: Record<string, unknown>, param: string): string {
    if (type !== 'text') {
      throw invalidRequest('invalid_value', 'System messages may only hold text parts.', `${param}.type`);
    }
    return callerSystemText(part.text, this.config.allowCallerSystemMessages, `${param}.text`);
  }

  /** A block of `role`'s turn; the tool results of the previous assistant turn come first in a user turn. */
  private push(role: ChatMessage['role'], block: ChatContentBlock, part: string): void {
    // A user turn starts with them; an assistant going on after its tool calls (a continued message) gets them as
    // a user turn between.
    this.flushResults();
    const last = this.messages[this.messages.length - 1];
    if (last?.role === role) {
      last.content.push(block);
      last.parts.push(part);
    } else {
      this.messages.push({ role, content: [block], parts: [part] });
    }
  }

  private flushResults(): void {
    const results = this.results;
    this.results = [];
    results.forEach(({ block, part }) => this.push('user', block, part));
  }

  /** `data:` URLs only: nothing is ever fetched on a caller's behalf. */
  private file(part: Record<string, unknown>, param: string): ChatContentBlock {
    const mediaType = typeof part.mediaType === 'string' ? part.mediaType.toLowerCase() : '';
    const image = IMAGE_TYPES[mediaType];
    const document = DOCUMENT_TYPES[mediaType];
    if (!image && !document) {
      throw invalidRequest(
        'invalid_value',
        `${param}.mediaType must be one of: ${[...Object.keys(IMAGE_TYPES), ...Object.keys(DOCUMENT_TYPES)].join(', ')}.`,
        `${param}.mediaType`,
      );
    }
    const url = part.url;
    const comma = typeof url === 'string' ? url.indexOf(',') : -1;
    if (typeof url !== 'string' || !url.startsWith('data:') || !url.slice(0, comma).endsWith(';base64')) {
      throw invalidRequest(
        'invalid_value',
        `${param}.url must be a base64 data: URL (data:<media type>;base64,...): URLs are not fetched.`,
        `${param}.url`,
      );
    }
    const data = url.slice(comma + 1);
    if (image) {
      const bytes = checkMagicBytes(
        image,
        decodeBase64(data, `${param}.url`, RequestLimits.MAX_IMAGE_BYTES),
        `${param}.url`,
      );
      return { image: { format: image, source: { bytes } } };
    }
    const bytes = checkMagicBytes(
      document,
      decodeBase64(data, `${param}.url`, RequestLimits.MAX_DOCUMENT_BYTES),
      `${param}.url`,
    );
    return { document: { format: document, name: this.documentName(part.filename), source: { bytes } } };
  }

  /** The filename without its extension, in Bedrock's document-name alphabet; `document-N` when nothing is left. */
  private documentName(filename: unknown): string {
    this.documents++;
    const base = typeof filename === 'string' ? filename.replace(/\.[^.]*$/, '') : '';
    const name = base
      .replace(/[^A-Za-z0-9 ()[\]-]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
      .slice(0, RequestLimits.MAX_DOCUMENT_NAME_LENGTH)
      .trim();
    return name === '' ? `document-${this.documents}` : name;
  }

  /**
   * Reasoning goes back to Bedrock only as the model made it: signed text, or redacted data. Reasoning without
   * Bedrock's metadata (e.g. from another provider) cannot be verified by the model and is skipped.
   */
  private reasoning(part: Record<string, unknown>, param: string): void {
    const bedrock = (part.providerMetadata as { bedrock?: Record<string, unknown> } | undefined)?.bedrock;
    if (bedrock?.redactedData !== undefined) {
      const block = { reasoningContent: { redactedContent: bedrock.redactedData } };
      this.push('assistant', contentBlock(block, param, this.blockContext('assistant')), param);
    } else if (bedrock?.signature !== undefined) {
      const block = { reasoningContent: { reasoningText: { text: part.text, signature: bedrock.signature } } };
      this.push('assistant', contentBlock(block, param, this.blockContext('assistant')), param);
    }
  }

  /** A tool part: the call in the assistant turn, and its output (or error) as a result for the next user turn. */
  private tool(part: Record<string, unknown>, param: string): void {
    const name = part.type === 'dynamic-tool' ? part.toolName : (part.type as string).slice('tool-'.length);
    const state = part.state;
    if (state !== 'input-available' && state !== 'output-available' && state !== 'output-error') {
      throw invalidRequest(
        'invalid_value',
        `${param}.state must be input-available, output-available or output-error (a finished tool call).`,
        `${param}.state`,
      );
    }
    const call = { toolUse: { toolUseId: part.toolCallId, name, input: part.input } };
    const pending = this.results;
    this.results = [];
    this.push('assistant', contentBlock(call, param, this.blockContext('assistant')), param);
    this.results = pending;
    if (state !== 'input-available') {
      const result = { toolResult: { toolUseId: part.toolCallId, ...toolOutput(part) } };
      this.results.push({ block: contentBlock(result, param, this.blockContext('user')), part: param });
    }
  }

  private blockContext(role: ChatMessage['role']) {
    return { role, clientTools: this.config.clientTools };
  }
}

/** A tool's output: an object as json, a string as text, anything else as its JSON text; an error as its text. */
function toolOutput(part: Record<string, unknown>): { content: unknown[]; status?: string } {
  if (part.state === 'output-error') {
    return { content: [{ text: part.errorText }], status: 'error' };
  }
  const output = part.output;
  if (typeof output === 'object' && output !== null && !Array.isArray(output)) {
    return { content: [{ json: output }] };
  }
  return { content: [{ text: typeof output === 'string' ? output : JSON.stringify(output ?? null) }] };
}

function object(value: unknown, param: string, message: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('invalid_type', message, param === 'body' ? null : param);
  }
  return value as Record<string, unknown>;
}
