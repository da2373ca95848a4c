/**
 * `text.format`: `text` (the default), `json_schema` (structured output: `{type, name, schema, strict?,
 * description?}`, flat as Responses sends it) or `json_object` (JSON mode: structured output with any JSON object,
 * request/output-schema.ts). `strict` is accepted either way: Bedrock's structured output always holds the answer
 * to the schema. Other verbosities than the default are refused (Bedrock has no such setting).
 */
import type { ChatOutputSchema } from '../../chat';
import { invalidRequest } from '../../errors';
import { fields, oneOf } from '../../request/json-shape';
import { JSON_OBJECT_SCHEMA, outputSchema } from '../../request/output-schema';
import { unsupported } from '../openai-chat-completions/decode';

export function textFormat(value: unknown): ChatOutputSchema | undefined {
  if (value === undefined) {
    return undefined;
  }
  const text = fields(value, 'text', ['format', 'verbosity']);
  if (text.verbosity !== undefined && text.verbosity !== null && text.verbosity !== 'medium') {
    throw unsupported('text.verbosity');
  }
  if (text.format === undefined || text.format === null) {
    return undefined;
  }
  const format = fields(text.format, 'text.format', ['type', 'name', 'schema', 'strict', 'description']);
  const type = oneOf(format.type, ['text', 'json_object', 'json_schema'], 'text.format.type');
  if (type !== 'json_schema') {
    if (Object.keys(format).length > 1) {
      throw invalidRequest(
        'invalid_value',
        `text.format of the type "${type}" has only the field type.`,
        'text.format',
      );
    }
    return type === 'json_object' ? JSON_OBJECT_SCHEMA : undefined;
  }
  if (format.strict !== undefined && format.strict !== null && typeof format.strict !== 'boolean') {
    throw invalidRequest('invalid_type', 'text.format.strict must be true or false.', 'text.format.strict');
  }
  return outputSchema(format, {
    name: 'text.format.name',
    schema: 'text.format.schema',
    description: 'text.format.description',
  });
}
