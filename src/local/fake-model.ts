/**
 * The embedded fake model of the local runner: a deterministic answer at a realistic token rate, with optional
 * injected faults, served through the fake Bedrock endpoint's real wire protocol. It reacts to the Converse request
 * the way a model would, so that each feature can be seen with curl:
 * - reasoning first when the operator's model fields turn it on (Claude `thinking`, signed; Nova `reasoningConfig`);
 * - a tool call, its input built from the tool's JSON schema and streamed in pieces, when the request has tools and
 *   the last user turn carries no tool result; after a tool result, an answer that quotes it;
 * - prompt caching: the first request with a cached prefix writes it, the next ones with the same prefix read it;
 * - structured output (`outputConfig.textFormat` of type `json_schema`): the text is JSON valid against the schema
 *   (or the scripted turn's text), so that a client can parse it.
 * With a script (`serve --script FILE`) it plays a whole session instead: the request whose conversation has i
 * assistant turns gets the script's turn i, so that a client's tool-using session runs the same way each time.
 */
import { createHash } from 'crypto';
import { blockFrames, httpError, type FakeBlock, type FakeScript } from './fake-bedrock';

export type FakeFault = 'none' | 'throttle' | 'midstream';

export interface FakeModelOptions {
  /** Tokens (words) per second. */
  readonly tokensPerSecond: number;
  /** Length of each answer in tokens (capped by the request's maxTokens). */
  readonly answerTokens: number;
  /** Delay before the first token. */
  readonly firstTokenMs: number;
  readonly fault: FakeFault;
  /** Models whose requests are throttled (429) whatever `fault` says: the fallback models' case. */
  readonly throttleModelIds?: readonly string[];
  /** Scripted answers by the conversation's assistant-turn count; past the end, the usual answer. */
  readonly script?: readonly FakeTurn[];
}

/** One scripted answer: reasoning, text, then tool calls (their ids are made up from the turn and the name). */
export interface FakeTurn {
  readonly reasoning?: string;
  readonly text?: string;
  readonly toolUses?: readonly FakeToolUse[];
}

export interface FakeToolUse {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

export const DEFAULT_FAKE_MODEL: FakeModelOptions = {
  tokensPerSecond: 50,
  // The words count token and the text's first two sentences: the demo's answer ends where a sentence does.
  answerTokens: 53,
  firstTokenMs: 250,
  fault: 'none',
};

const WORDS = (
  'This answer comes from the local fake model of cdk-streaming-bedrock-api. Each word is one token, sent as a ' +
  'ConverseStream event through the same event-stream wire protocol that Amazon Bedrock uses, read by the real AWS ' +
  'SDK client inside the bundled handler, and streamed back through a front that behaves like API Gateway. ' +
  'Deploy the construct to talk to a real model; until then, this text repeats so that long answers can be tried.'
).split(' ');

/** The fake model's reasoning, one chunk per delta. */
export const FAKE_REASONING = [
  'The user asked a question. ',
  'I am the local fake model, ',
  'so I will answer with my usual text ',
  'after thinking it over briefly.',
];

/** The signature Claude sends at the end of a reasoning block (the fake's is fixed). */
export const FAKE_SIGNATURE = 'fake-model-reasoning-signature';

/** Tokens an image or a document counts for in the fake's input usage. */
const ATTACHMENT_TOKENS = 100;

/** Cached prefixes the fake model remembers, like Bedrock's cache (oldest dropped first). */
const CACHE_ENTRIES = 1000;

/**
 * The first `count` tokens of the fake answer: words with their leading space, so that they join into text. Made one
 * at a time as they are pulled, so that an answer of any length costs one token.
 */
export function* fakeTokenStream(count: number, promptWords: number): Generator<string> {
  if (count < 1) {
    return;
  }
  yield `(${promptWords} ${promptWords === 1 ? 'word' : 'words'} received) `;
  for (let i = 0; i < count - 1; i++) {
    yield (i === 0 ? '' : ' ') + WORDS[i % WORDS.length];
  }
}

/** The runner's model: each request gets an answer whose frames are generated as they are sent, never held whole. */
export function fakeModelScript(options: FakeModelOptions): FakeScript {
  const cache = new FakePromptCache(CACHE_ENTRIES);
  return (request) => {
    if (options.fault === 'throttle' || options.throttleModelIds?.includes(request.modelId)) {
      return httpError(429, 'ThrottlingException', 'Too many requests (injected fault)');
    }
    const body = request.body;
    const maxTokens: number = body.inferenceConfig?.maxTokens ?? options.answerTokens;
    const count = Math.max(1, Math.min(options.answerTokens, maxTokens));
    const turn = options.script?.[assistantTurns(body)];
    const blocks = turn ? scriptedBlocks(turn, body, maxTokens) : answerBlocks(body, count);
    const callsTool = blocks.some((block) => 'toolUse' in block);
    // A structured answer is one whole JSON value, whatever the cap.
    const structured = body.outputConfig?.textFormat !== undefined;
    const cut = turn ? scriptedWords(turn).length > maxTokens : count < options.answerTokens && !structured;
    const frames = blockFrames(blocks, {
      firstDelayMs: options.firstTokenMs,
      delayMs: 1000 / options.tokensPerSecond,
      stopReason: callsTool ? 'tool_use' : cut ? 'max_tokens' : 'end_turn',
      usage: { inputTokens: inputTokens(body), ...cache.usage(body) },
      failAfter:
        options.fault === 'midstream'
          ? { deltas: Math.ceil(count / 2), exception: 'ModelStreamErrorException', message: 'injected fault' }
          : undefined,
    });
    return { frames };
  };
}

/** The blocks of the answer: reasoning when turned on, then a tool call, or text (quoting a tool result if any). */
export function answerBlocks(body: Record<string, any>, count: number): FakeBlock[] {
  const blocks: FakeBlock[] = [];
  const reasoning = reasoningKind(body.additionalModelRequestFields);
  if (reasoning) {
    blocks.push({ reasoning: FAKE_REASONING, signature: reasoning === 'claude' ? FAKE_SIGNATURE : undefined });
  }
  const tool = toolToCall(body);
  if (tool) {
    blocks.push({ text: [`I will call ${tool.name}.`] });
    blocks.push({ toolUse: toolCall(tool, body.messages?.length ?? 0) });
    return blocks;
  }
  const structured = structuredAnswer(body);
  if (structured !== undefined) {
    blocks.push({ text: structured });
    return blocks;
  }
  const result = lastToolResult(body);
  const words = promptWordCount(body);
  blocks.push({ text: result === undefined ? fakeTokenStream(count, words) : answerAfterTool(result, count, words) });
  return blocks;
}

/** The blocks of a scripted turn: its reasoning (or the usual one when turned on), its words up to the cap, its calls. */
function scriptedBlocks(turn: FakeTurn, body: Record<string, any>, maxTokens: number): FakeBlock[] {
  const blocks: FakeBlock[] = [];
  const kind = reasoningKind(body.additionalModelRequestFields);
  const reasoning = turn.reasoning === undefined ? (kind ? FAKE_REASONING : undefined) : [turn.reasoning];
  if (reasoning) {
    blocks.push({ reasoning, signature: kind === 'nova' ? undefined : FAKE_SIGNATURE });
  }
  const words = scriptedWords(turn).slice(0, maxTokens);
  if (words.length > 0) {
    blocks.push({ text: words });
  }
  const turnIndex = assistantTurns(body);
  (turn.toolUses ?? []).forEach((call, i) => {
    const inputChunks = JSON.stringify(call.input).match(/[\s\S]{1,8}/g) ?? [];
    blocks.push({ toolUse: { toolUseId: `tooluse_script_${turnIndex}_${i}`, name: call.name, inputChunks } });
  });
  return blocks;
}

/** A scripted text as tokens: words with the spacing kept, so that they join back into the text. */
function scriptedWords(turn: FakeTurn): string[] {
  return turn.text?.match(/\s*\S+/g) ?? [];
}

function assistantTurns(body: Record<string, any>): number {
  return (body.messages ?? []).filter((message: any) => message.role === 'assistant').length;
}

/**
 * A script read from JSON (`serve --script FILE`): a list of turns with only the known fields, so that a typo fails
 * at start rather than playing the usual answer. Throws an Error naming the turn and the field.
 */
export function parseFakeScript(json: string): FakeTurn[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error('a script is a non-empty JSON array of turns, e.g. [{"text": "Hello"}]');
  }
  return value.map((turn, i) => checkedTurn(turn, `turn ${i}`));
}

function checkedTurn(turn: any, where: string): FakeTurn {
  if (typeof turn !== 'object' || turn === null || Array.isArray(turn)) {
    throw new Error(`${where} must be an object with text, reasoning or toolUses`);
  }
  const unknown = Object.keys(turn).find((key) => !['text', 'reasoning', 'toolUses'].includes(key));
  if (unknown !== undefined) {
    throw new Error(`${where} has an unknown field ${JSON.stringify(unknown)} (known: text, reasoning, toolUses)`);
  }
  for (const key of ['text', 'reasoning']) {
    if (turn[key] !== undefined && typeof turn[key] !== 'string') {
      throw new Error(`${where}: ${key} must be a string`);
    }
  }
  const calls = turn.toolUses ?? [];
  if (!Array.isArray(calls) || calls.some((call: any) => !isToolUse(call))) {
    throw new Error(`${where}: toolUses must be a list of {"name": string, "input": object}`);
  }
  return turn as FakeTurn;
}

function isToolUse(call: any): boolean {
  const input = call?.input;
  return typeof call?.name === 'string' && typeof input === 'object' && input !== null && !Array.isArray(input);
}

function reasoningKind(fields: Record<string, any> | undefined): 'claude' | 'nova' | undefined {
  if (['enabled', 'adaptive'].includes(fields?.thinking?.type)) {
    return 'claude';
  }
  return fields?.reasoningConfig?.type === 'enabled' ? 'nova' : undefined;
}

interface ToolSpec {
  readonly name: string;
  readonly inputSchema?: { readonly json?: unknown };
}

/** The tool the model calls: the forced one, else the first; none once the last user turn answers a call. */
function toolToCall(body: Record<string, any>): ToolSpec | undefined {
  const specs: ToolSpec[] = (body.toolConfig?.tools ?? []).flatMap((t: any) => (t.toolSpec ? [t.toolSpec] : []));
  if (specs.length === 0 || lastToolResult(body) !== undefined) {
    return undefined;
  }
  const forced = body.toolConfig?.toolChoice?.tool?.name;
  return specs.find((spec) => spec.name === forced) ?? specs[0];
}

/** The call: an id unique in the conversation, and the input JSON in pieces of at most 8 characters. */
function toolCall(tool: ToolSpec, turn: number) {
  const json = JSON.stringify(sampleValue(tool.inputSchema?.json ?? { type: 'object' }, 'input', 0));
  const inputChunks = json.match(/[\s\S]{1,8}/g) ?? [];
  return { toolUseId: `tooluse_fake_${turn}_${tool.name}`, name: tool.name, inputChunks };
}

/**
 * The answer to a request for structured output: a JSON value of the schema, in pieces of at most 8 characters;
 * undefined without one. The handler checked the schema (local `$ref`s, no cycles); resolving them here keeps the
 * value valid for a client that validates it.
 */
function structuredAnswer(body: Record<string, any>): string[] | undefined {
  const format = body.outputConfig?.textFormat;
  if (format?.type !== 'json_schema' || typeof format.structure?.jsonSchema?.schema !== 'string') {
    return undefined;
  }
  const schema = JSON.parse(format.structure.jsonSchema.schema);
  const json = JSON.stringify(sampleValue(schema, 'value', 0, schema));
  return json.match(/[\s\S]{1,8}/g) ?? [];
}

/**
 * A deterministic value that satisfies a JSON schema's type, enum, const, properties and local `$ref`s, taking the
 * first of `anyOf`/`oneOf` (nested up to 4 levels, deeper with only what is required).
 */
export function sampleValue(schema: any, name: string, depth: number, root: any = schema): unknown {
  if (typeof schema?.$ref === 'string') {
    return sampleValue(resolveRef(root, schema.$ref), name, depth, root);
  }
  const alternatives = schema?.anyOf ?? schema?.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    return sampleValue(alternatives[0], name, depth, root);
  }
  if (schema?.const !== undefined) {
    return schema.const;
  }
  if (Array.isArray(schema?.enum) && schema.enum.length > 0) {
    return schema.enum[0];
  }
  const type = Array.isArray(schema?.type) ? schema.type[0] : schema?.type;
  switch (type) {
    case 'string':
      return `example ${name}`;
    case 'integer':
      return 1;
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    case 'array':
      return sampleArray(schema, name, depth, root);
    case 'null':
      return null;
    default:
      return sampleObject(schema, depth, root);
  }
}

/** One item (or `minItems` of them), none past 4 levels unless required. */
function sampleArray(schema: any, name: string, depth: number, root: any): unknown[] {
  const count = Math.max(depth < 4 ? 1 : 0, Number(schema.minItems ?? 0));
  return Array.from({ length: count }, () => sampleValue(schema.items, name, depth + 1, root));
}

/** Every property up to 4 levels; past that, the required ones only. */
function sampleObject(schema: any, depth: number, root: any): Record<string, unknown> {
  const properties: Record<string, unknown> = schema?.properties ?? {};
  const required: unknown[] = Array.isArray(schema?.required) ? schema.required : [];
  const value: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) {
    if (depth < 4 || required.includes(key)) {
      value[key] = sampleValue(property, key, depth + 1, root);
    }
  }
  return value;
}

/** The part of the schema a local `$ref` (`#/...`) names; an empty schema for any other. */
function resolveRef(root: any, ref: string): unknown {
  if (ref !== '#' && !ref.startsWith('#/')) {
    return {};
  }
  const keys = ref === '#' ? [] : ref.slice(2).split('/');
  return (
    keys.reduce((node, raw) => node?.[decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')], root) ?? {}
  );
}

/** The tool results of the last user turn, as text (the first one), or undefined when it has none. */
function lastToolResult(body: Record<string, any>): string | undefined {
  const last = body.messages?.at(-1);
  const result = last?.role === 'user' ? last.content?.find((block: any) => block.toolResult)?.toolResult : undefined;
  if (!result) {
    return undefined;
  }
  const first = result.content?.[0] ?? {};
  return first.text ?? JSON.stringify(first.json ?? null);
}

/** An answer that shows the tool result reached the model, then the usual words. */
function* answerAfterTool(result: string, count: number, words: number): Generator<string> {
  const quoted = result.length > 200 ? `${result.slice(0, 200)}...` : result;
  yield `The tool returned ${quoted}. `;
  yield* fakeTokenStream(count - 1, words);
}

function promptWordCount(body: Record<string, any>): number {
  const texts: string[] = (body.messages ?? []).flatMap((m: any) => (m.content ?? []).map(blockText));
  return texts.join(' ').split(/\s+/).filter(Boolean).length;
}

/** The words a block contributes to the prompt: its text, a tool result's text or JSON, a document's name. */
function blockText(block: any): string {
  if (block.text !== undefined) {
    return String(block.text);
  }
  if (block.toolResult) {
    return (block.toolResult.content ?? []).map((c: any) => c.text ?? JSON.stringify(c.json ?? '')).join(' ');
  }
  return block.document?.name ?? '';
}

/** Input usage: the prompt's words, plus a fixed count per image and document. */
function inputTokens(body: Record<string, any>): number {
  const attachments = (body.messages ?? [])
    .flatMap((m: any) => m.content ?? [])
    .filter((block: any) => block.image || block.document).length;
  return promptWordCount(body) + attachments * ATTACHMENT_TOKENS;
}

/**
 * Prompt caching as Bedrock reports it: the prompt (system blocks, then tools, then each message's blocks) up to each
 * cache point is written. A request reads the longest written prefix that ends at one of its block boundaries before
 * its last cache point (Claude's look-back, here without its 20-block bound), and writes the rest up to that point:
 * so a conversation's next turn reads what the turn before it wrote. Only each prefix's identity is kept (a hash), at
 * most `capacity` of them.
 */
export class FakePromptCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  usage(body: Record<string, any>): { cacheReadInputTokens: number; cacheWriteInputTokens: number } {
    const { boundaries, points } = promptPrefixes(body);
    if (points.length === 0) {
      return { cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
    }
    const last = points[points.length - 1];
    const read = boundaries.filter((prefix) => prefix.tokens <= last.tokens && this.seen.has(prefix.key)).pop();
    for (const prefix of points) {
      this.seen.delete(prefix.key);
      this.seen.set(prefix.key, prefix.tokens);
    }
    while (this.seen.size > this.capacity) {
      this.seen.delete(this.seen.keys().next().value!);
    }
    const readTokens = read?.tokens ?? 0;
    return { cacheReadInputTokens: readTokens, cacheWriteInputTokens: last.tokens - readTokens };
  }
}

interface Prefix {
  readonly key: string;
  readonly tokens: number;
}

/** The prompt's prefixes, as text, at every block boundary and at each cache point, in prompt order. */
function promptPrefixes(body: Record<string, any>): { boundaries: Prefix[]; points: Prefix[] } {
  const parts: any[] = [
    ...(body.system ?? []),
    ...(body.toolConfig?.tools ?? []),
    ...(body.messages ?? []).flatMap((message: any) => [{ role: message.role }, ...(message.content ?? [])]),
  ];
  const boundaries: Prefix[] = [];
  const points: Prefix[] = [];
  const texts: string[] = [];
  for (const part of parts) {
    if (part.cachePoint) {
      points.push(prefixOf(texts));
      continue;
    }
    texts.push(part.text ?? JSON.stringify(part));
    boundaries.push(prefixOf(texts));
  }
  return { boundaries, points };
}

function prefixOf(texts: string[]): Prefix {
  const prefix = texts.join(' ');
  return {
    key: createHash('sha256').update(prefix).digest('hex'),
    tokens: Math.max(1, prefix.split(/\s+/).filter(Boolean).length),
  };
}
