/**
 * `response_format`: `text` (the default), `json_schema` (structured output) or `json_object` (JSON mode, which is
 * structured output with any JSON object: request/output-schema.ts). `json_schema.strict` is accepted either way:
 * Bedrock's structured output always holds the answer to the schema.
 */
import type { ChatOutputSchema } from '../../chat';
import { invalidRequest } from '../../errors';
import { fields, oneOf } from '../../request/json-shape';
import { JSON_OBJECT_SCHEMA, outputSchema } from '../../request/output-schema';

export function responseFormat(value: unknown): ChatOutputSchema | undefined {
  if (value === undefined) {
    return undefined;
  }
  const format = fields(value, 'response_format', ['type', 'json_schema']);
  const type = oneOf(format.type, ['text', 'json_object', 'json_schema'], 'response_format.type');
  if (type !== 'json_schema') {
    if (format.json_schema !== undefined) {
      throw invalidRequest(
        'invalid_value',
        'response_format.json_schema goes with the type "json_schema" only.',
        'response_format.json_schema',
      );
    }
    return type === 'json_object' ? JSON_OBJECT_SCHEMA : undefined;
  }
  const param = 'response_format.json_schema';
  const definition = fields(format.json_schema, param, ['name', 'schema', 'strict', 'description']);
  if (definition.strict !== undefined && definition.strict !== null && typeof definition.strict !== 'boolean') {
    throw invalidRequest('invalid_type', `${param}.strict must be true or false.`, `${param}.strict`);
  }
  return outputSchema(
    { ...definition, schema: definition.schema ?? { type: 'object' } },
    { name: `${param}.name`, schema: `${param}.schema`, description: `${param}.description` },
  );
}
