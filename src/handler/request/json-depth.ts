/**
 * A bound on how deeply a request's JSON nests, checked once where a body (or a JSON string inside one, like OpenAI's
 * tool call `arguments`) is parsed. Every later step (validation, the token estimate, the SDK's serializer) walks
 * values recursively: 2,500 levels fit in a 5 KB body and overflow the call stack there. The walk here is iterative.
 */
import { invalidRequest, type ApiError } from '../errors';

/**
 * Objects and arrays nested in one another, the body itself being level 1. The API's own structure takes at most 9
 * (`messages[].content[].toolResult.content[].json`), which leaves tool inputs, results and schemas over 50 levels.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The field names of the protocols' requests on the way to a caller's own JSON. The error's `param` names the path
 * through these only: like an unknown field, a key the caller chose is never sent back.
 */
const API_FIELD_NAMES = new Set([
  'prompt',
  'messages',
  'content',
  'toolUse',
  'input',
  'toolResult',
  'json',
  'reasoningContent',
  'tools',
  'inputSchema',
  'toolChoice',
  'tool_calls',
  'function',
  'arguments',
  'parameters',
  'tool_choice',
  'parts',
  'output',
  'metadata',
  'stream_options',
  'outputSchema',
  'response_format',
  'json_schema',
  'text',
  'format',
  'output_config',
  'output_format',
  'schema',
]);

/** The API's structure is never deeper than this many path segments; past them, the path is the caller's. */
const MAX_PATH_SEGMENTS = 8;

interface Node {
  readonly value: unknown;
  readonly depth: number;
  readonly parent?: Node;
  readonly segment?: string | number;
}

/**
 * Throws a 400 ApiError when `value` nests objects and arrays more than `maxDepth` levels deep. `param` is where the
 * value sits in the request (undefined for the body itself).
 */
export function checkJsonDepth(value: unknown, param?: string, maxDepth = MAX_JSON_DEPTH): void {
  const pending: Node[] = [{ value, depth: 1 }];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (typeof node.value !== 'object' || node.value === null) {
      continue;
    }
    if (node.depth > maxDepth) {
      throw tooDeep(fieldPath(node, param), maxDepth);
    }
    const entries: Array<[string | number, unknown]> = Array.isArray(node.value)
      ? node.value.map((item, i) => [i, item])
      : Object.entries(node.value);
    for (const [segment, child] of entries) {
      pending.push({ value: child, depth: node.depth + 1, parent: node, segment });
    }
  }
}

/** The path to a node through the API's own field names (and the indices of their arrays), from `root`. */
function fieldPath(node: Node, root: string | undefined): string | undefined {
  const segments: Array<string | number> = [];
  for (let at: Node | undefined = node; at?.segment !== undefined; at = at.parent) {
    segments.unshift(at.segment);
  }
  let path = root ?? '';
  let previousNamed = root !== undefined;
  for (const segment of segments.slice(0, MAX_PATH_SEGMENTS)) {
    if (typeof segment === 'number' && previousNamed) {
      path += `[${segment}]`;
      previousNamed = false;
    } else if (typeof segment === 'string' && API_FIELD_NAMES.has(segment) && root === undefined) {
      path += path === '' ? segment : `.${segment}`;
      previousNamed = true;
    } else {
      break;
    }
  }
  return path === '' ? undefined : path;
}

function tooDeep(param: string | undefined, maxDepth: number): ApiError {
  const where = param === undefined ? 'The request' : param;
  return invalidRequest(
    'nesting_too_deep',
    `${where} nests objects and arrays too deeply: at most ${maxDepth} levels are accepted. Send flatter JSON.`,
    param ?? null,
  );
}
