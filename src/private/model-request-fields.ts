import { Token } from 'aws-cdk-lib';
import { fail } from './validation';
import { HandlerDefaults } from '../contract';

const PROP = 'additionalModelRequestFields';

/**
 * `additionalModelRequestFields` travels as JSON in an environment variable and is sent with every request: it must
 * be a plain JSON object known at synth, and must not hold a combination that Bedrock rejects on every request.
 */
export function validateAdditionalModelRequestFields(
  subject: string,
  fields: { [key: string]: any } | undefined,
  maxTokens: number | undefined,
  temperature: number | undefined,
): void {
  if (fields === undefined) {
    return;
  }
  if (!isPlainObject(fields)) {
    fail(
      subject,
      PROP,
      describe(fields),
      'Pass a plain object of JSON values, e.g. { thinking: { type: "adaptive" } }.',
    );
  }
  checkJsonValue(subject, PROP, fields, []);
  validateClaudeThinking(subject, fields.thinking, maxTokens, temperature);
}

/** Every value is JSON (null, boolean, finite number, string, array, plain object), known at synth, and acyclic. */
function checkJsonValue(subject: string, path: string, value: unknown, ancestors: object[]): void {
  if (value === null || typeof value === 'boolean') {
    return;
  }
  if (typeof value === 'string' || typeof value === 'number') {
    if (Token.isUnresolved(value)) {
      fail(
        subject,
        path,
        value,
        "The construct writes these fields into the handler's configuration at synth, so pass literal values.",
      );
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      fail(subject, path, describe(value), 'JSON has no NaN or Infinity: use a finite number.');
    }
    return;
  }
  if (typeof value !== 'object' || (!Array.isArray(value) && !isPlainObject(value))) {
    fail(
      subject,
      path,
      describe(value),
      'Use only JSON values: null, booleans, numbers, strings, arrays and plain objects.',
    );
  }
  if (ancestors.includes(value)) {
    fail(subject, path, 'a reference to an enclosing object', 'JSON cannot hold a cycle: pass a tree of values.');
  }
  const inner = [...ancestors, value];
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonValue(subject, `${path}[${i}]`, item, inner));
  } else {
    Object.entries(value).forEach(([key, item]) => checkJsonValue(subject, `${path}.${key}`, item, inner));
  }
}

/**
 * Claude extended thinking: Bedrock requires `max_tokens` greater than `thinking.budget_tokens`, and Claude accepts no
 * temperature but 1 while thinking is on (`enabled` or `adaptive`).
 */
function validateClaudeThinking(
  subject: string,
  thinking: unknown,
  maxTokens: number | undefined,
  temperature: number | undefined,
): void {
  if (!isPlainObject(thinking) || (thinking.type !== 'enabled' && thinking.type !== 'adaptive')) {
    return;
  }
  const cap = maxTokens ?? HandlerDefaults.MAX_TOKENS;
  const budget = thinking.budget_tokens;
  if (thinking.type === 'enabled' && typeof budget === 'number' && !Token.isUnresolved(cap) && budget >= cap) {
    fail(
      subject,
      `${PROP}.thinking.budget_tokens`,
      budget,
      `Bedrock requires maxTokens (${cap}) to be greater than the thinking budget: raise maxTokens above ${budget}, ` +
        'or lower budget_tokens.',
    );
  }
  if (temperature !== undefined && temperature !== 1) {
    fail(
      subject,
      'temperature',
      temperature,
      `Claude rejects a temperature other than 1 while ${PROP}.thinking is on: remove temperature, or turn thinking off.`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value that JSON cannot show (a function, undefined, a class instance) by its kind. */
function describe(value: unknown): string {
  if (typeof value === 'function') {
    return 'a function';
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !isPlainObject(value)) {
    return `an instance of ${value.constructor?.name ?? 'a class'}`;
  }
  return String(value);
}
