/**
 * Anthropic's structured output: `output_config.format` (GA), or `output_format` (the beta's field, which older
 * clients send), each `{type: 'json_schema', schema}`. Anthropic's format has no name: Bedrock gets the name
 * `output`.
 */
import type { ChatOutputSchema } from '../../chat';
import { invalidRequest } from '../../errors';
import { fields, isRecord, oneOf } from '../../request/json-shape';
import { outputSchema } from '../../request/output-schema';

export const OUTPUT_FORMAT_NAME = 'output';

export function anthropicOutputSchema(body: Record<string, unknown>): ChatOutputSchema | undefined {
  const configured = isRecord(body.output_config) ? (body.output_config.format ?? undefined) : undefined;
  const beta = body.output_format ?? undefined;
  if (configured !== undefined && beta !== undefined) {
    throw invalidRequest(
      'invalid_value',
      'Send output_config.format or output_format (its beta name), not both.',
      'output_format',
    );
  }
  if (configured !== undefined) {
    return jsonSchemaFormat(configured, 'output_config.format');
  }
  return beta === undefined ? undefined : jsonSchemaFormat(beta, 'output_format');
}

function jsonSchemaFormat(value: unknown, param: string): ChatOutputSchema {
  const format = fields(value, param, ['type', 'schema']);
  oneOf(format.type, ['json_schema'], `${param}.type`);
  return outputSchema({ name: OUTPUT_FORMAT_NAME, schema: format.schema }, { name: param, schema: `${param}.schema` });
}
