/**
 * Structured output's schema, the one rule every protocol's field goes through (native `outputSchema`, OpenAI
 * `response_format`, Responses `text.format`, Anthropic `output_config.format`): a JSON-schema object of bounded
 * size and nesting whose `$ref`s point inside it and never loop, and a name of Bedrock's pattern. Errors name the
 * caller's field, never its value.
 */
import type { ChatOutputSchema } from '../chat';
import { invalidRequest } from '../errors';
import { fields, identifier, jsonObject } from './json-shape';
import { RequestLimits } from './limits';

/** The caller's field names for the parts of a schema definition, as its protocol spells them. */
export interface OutputSchemaParams {
  readonly name: string;
  readonly schema: string;
  readonly description?: string;
}

/** The schema definition the protocols share: a checked schema, a name, an optional description. */
export function outputSchema(value: Readonly<Record<string, unknown>>, params: OutputSchemaParams): ChatOutputSchema {
  const schema = checkOutputSchema(value.schema, params.schema);
  const description =
    value.description === undefined || value.description === null
      ? undefined
      : schemaDescription(value.description, params.description ?? 'description');
  return { name: identifier(value.name, params.name), description, schema };
}

/** The native protocol's `outputSchema: {name, schema, description?}`. */
export function validateOutputSchema(value: unknown, param: string): ChatOutputSchema | undefined {
  if (value === undefined) {
    return undefined;
  }
  const definition = fields(value, param, ['name', 'schema', 'description']);
  return outputSchema(definition, {
    name: `${param}.name`,
    schema: `${param}.schema`,
    description: `${param}.description`,
  });
}

/**
 * JSON mode (OpenAI's `json_object`): any JSON object. Bedrock has no JSON mode of its own, so it is structured
 * output with the most permissive object schema.
 */
export const JSON_OBJECT_SCHEMA: ChatOutputSchema = { name: 'json_object', schema: { type: 'object' } };

/** A JSON-schema object within the size and nesting caps, whose `$ref`s are local and acyclic. */
export function checkOutputSchema(value: unknown, param: string): Record<string, unknown> {
  const schema = jsonObject(value, param);
  const maxBytes = RequestLimits.MAX_OUTPUT_SCHEMA_BYTES;
  if (Buffer.byteLength(JSON.stringify(schema), 'utf8') > maxBytes) {
    throw invalidRequest('invalid_value', `${param} must be at most ${maxBytes} bytes as JSON.`, param);
  }
  if (depthOf(schema, RequestLimits.MAX_OUTPUT_SCHEMA_DEPTH) > RequestLimits.MAX_OUTPUT_SCHEMA_DEPTH) {
    const max = RequestLimits.MAX_OUTPUT_SCHEMA_DEPTH;
    throw invalidRequest('invalid_value', `${param} may nest objects and arrays at most ${max} levels deep.`, param);
  }
  checkRefs(schema, param);
  return schema;
}

function schemaDescription(value: unknown, param: string): string {
  const max = RequestLimits.MAX_TOOL_DESCRIPTION_LENGTH;
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw invalidRequest('invalid_value', `${param} must be a non-blank string of at most ${max} characters.`, param);
  }
  return value;
}

/** Levels of objects and arrays, the schema itself being 1; the walk stops past `cap`. */
function depthOf(value: unknown, cap: number, level = 1): number {
  if (typeof value !== 'object' || value === null || level > cap) {
    return typeof value === 'object' && value !== null ? level : level - 1;
  }
  const children = Object.values(value);
  return children.reduce<number>((deepest, child) => Math.max(deepest, depthOf(child, cap, level + 1)), level);
}

/**
 * Every `$ref` is a JSON pointer into this schema (`#` or `#/...`) that resolves, and following refs never comes back
 * to one being followed: a model cannot emit a recursive schema's unbounded value, and Bedrock refuses remote refs.
 */
function checkRefs(schema: Record<string, unknown>, param: string): void {
  const following: string[] = [];
  const acyclic = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) {
      return;
    }
    const ref = (node as Record<string, unknown>).$ref;
    if (ref !== undefined) {
      followRef(ref);
    }
    Object.values(node).forEach(visit);
  };
  const followRef = (ref: unknown): void => {
    const target = resolvePointer(schema, ref);
    if (target === undefined) {
      throw invalidRequest('invalid_value', `${param} may only use $ref to a part of itself ("#/...").`, param);
    }
    if (following.includes(ref as string)) {
      throw invalidRequest('invalid_value', `${param} must not be recursive (a $ref leads back to itself).`, param);
    }
    if (acyclic.has(ref as string)) {
      return;
    }
    following.push(ref as string);
    visit(target);
    following.pop();
    acyclic.add(ref as string);
  };
  visit(schema);
}

/** The value a local JSON pointer (`#`, `#/a/b`, with `~0`/`~1` escapes) names, or undefined. */
function resolvePointer(root: Record<string, unknown>, ref: unknown): unknown {
  if (typeof ref !== 'string' || (ref !== '#' && !ref.startsWith('#/'))) {
    return undefined;
  }
  let node: unknown = root;
  for (const raw of ref === '#' ? [] : ref.slice(2).split('/')) {
    const key = pointerToken(raw);
    if (
      key === undefined ||
      typeof node !== 'object' ||
      node === null ||
      !Object.prototype.hasOwnProperty.call(node, key)
    ) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** One reference token of a JSON pointer in a URI fragment, or undefined when its percent-encoding is broken. */
function pointerToken(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
  } catch {
    return undefined;
  }
}
