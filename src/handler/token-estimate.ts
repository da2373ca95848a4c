/**
 * The input-token estimate a budget reserves before the model is called. It counts the text the model reads, piece by
 * piece as a BPE tokenizer splits it (words, digit runs, symbols), not the JSON that carries it: characters / 4 of
 * the JSON under-counted text of short words (`"a a a ..."`: one token per word, two characters each) and over-counted
 * short prompts (the punctuation around "hi"). The bound it keeps is in docs/keys-and-budgets.md.
 */
import type { ChatContentBlock, ChatRequest, ChatTool } from './chat';

/** Input tokens assumed per image, document or other binary block (their bytes say little about their tokens). */
export const TOKENS_PER_ATTACHMENT = 1600;
/** The role markers and separators the model's template adds around each message. */
export const TOKENS_PER_MESSAGE = 4;
/** The tool-use instructions Claude's template adds when the request offers tools (Anthropic documents 346). */
export const TOKENS_FOR_TOOL_USE = 350;

/** A Latin word up to this long is a vocabulary word: one token per 6 letters (most English words are one token). */
const LONGEST_VOCABULARY_WORD = 12;
const LETTERS_PER_VOCABULARY_TOKEN = 6;
/** A longer run of letters is no word (an identifier, base64, noise): tokenizers cut it into pieces of about 3. */
const LETTERS_PER_NOISE_TOKEN = 3;
/** Whitespace beyond one character (indentation): about 4 per token. */
const SPACES_PER_TOKEN = 4;
/** Digits: tokenizers split numbers into groups of at most 3. */
const DIGITS_PER_TOKEN = 3;
/** Letters of other alphabets (Cyrillic, Greek, Arabic...): about 2 characters per token. */
const OTHER_LETTERS_PER_TOKEN = 2;

/**
 * One piece per alternative: a Latin word, a digit run, a run of CJK characters, a run of other letters, whitespace,
 * or one other character (punctuation, symbol, emoji). The `u` flag makes an emoji one character.
 */
const PIECES =
  /([A-Za-z]+)|(\d+)|([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+)|(\p{L}+)|(\s+)|./gsu;

/** The tokens of `text`: each piece rounded up on its own, so a run of short words counts one token per word. */
export function estimateTextTokens(text: string): number {
  let tokens = 0;
  for (const [piece, latin, digits, cjk, letters, space] of text.matchAll(PIECES)) {
    if (latin) {
      tokens += latinWordTokens(latin.length);
    } else if (digits) {
      tokens += Math.ceil(digits.length / DIGITS_PER_TOKEN);
    } else if (cjk) {
      tokens += [...cjk].length;
    } else if (letters) {
      tokens += Math.ceil([...letters].length / OTHER_LETTERS_PER_TOKEN);
    } else if (space) {
      // One space or newline joins the next word's token; longer runs (indentation) cost about one per 4.
      tokens += Math.ceil((space.length - 1) / SPACES_PER_TOKEN);
    } else {
      tokens += piece.length > 0 ? 1 : 0;
    }
  }
  return tokens;
}

function latinWordTokens(letters: number): number {
  return letters <= LONGEST_VOCABULARY_WORD
    ? Math.ceil(letters / LETTERS_PER_VOCABULARY_TOKEN)
    : Math.ceil(letters / LETTERS_PER_NOISE_TOKEN);
}

/** A JSON value the model reads as JSON (tool inputs and schemas): its punctuation is part of what it reads. */
function jsonTokens(value: unknown): number {
  return estimateTextTokens(JSON.stringify(value) ?? '');
}

function blockTokens(block: ChatContentBlock): number {
  if ('text' in block) {
    return estimateTextTokens(block.text);
  }
  if ('image' in block || 'document' in block) {
    return TOKENS_PER_ATTACHMENT;
  }
  if ('toolUse' in block) {
    return estimateTextTokens(block.toolUse.name) + jsonTokens(block.toolUse.input);
  }
  if ('toolResult' in block) {
    return block.toolResult.content.reduce(
      (sum, part) => sum + ('text' in part ? estimateTextTokens(part.text) : jsonTokens(part.json)),
      0,
    );
  }
  if ('reasoningContent' in block) {
    const reasoning = block.reasoningContent;
    // Redacted reasoning is encrypted: its bytes are no measure of tokens, and Claude drops earlier turns' thinking.
    return 'reasoningText' in reasoning ? estimateTextTokens(reasoning.reasoningText.text) : 0;
  }
  return 0; // a cache point
}

function toolTokens(tool: ChatTool): number {
  return estimateTextTokens(tool.name) + estimateTextTokens(tool.description ?? '') + jsonTokens(tool.inputSchema);
}

/** Structured output's schema reaches the model as part of its prompt: its name, description and JSON. */
function outputSchemaTokens(request: ChatRequest): number {
  const output = request.outputSchema;
  if (output === undefined) {
    return 0;
  }
  return estimateTextTokens(output.name) + estimateTextTokens(output.description ?? '') + jsonTokens(output.schema);
}

/**
 * What the caller sent: messages, its own system messages, tools and an output schema (not the operator's system
 * prompt).
 */
export function estimateCallerTokens(request: ChatRequest): number {
  const system = (request.callerSystem ?? []).reduce(
    (sum, part) => sum + (typeof part === 'string' ? estimateTextTokens(part) : 0),
    0,
  );
  const messages = request.messages.reduce(
    (sum, message) =>
      sum + TOKENS_PER_MESSAGE + message.content.reduce((inner, block) => inner + blockTokens(block), 0),
    0,
  );
  const tools = request.tools?.length
    ? TOKENS_FOR_TOOL_USE + request.tools.reduce((sum, tool) => sum + toolTokens(tool), 0)
    : 0;
  return system + messages + tools + outputSchemaTokens(request);
}
