/**
 * The shapes every request rule builds on: objects with known fields, strings, arrays, identifiers. Each throws a
 * 400 ApiError naming `param` (the caller's own path to the value) and never quoting the value.
 */
import { invalidRequest } from '../errors';

/** Bedrock's pattern for tool names, which tool calls and results repeat; tool use ids follow it too. */
const IDENTIFIER = /^[a-zA-Z0-9_-]{1,64}$/;

export function nonBlankText(value: unknown, param: string): string {
  if (typeof value !== 'string') {
    throw invalidRequest('invalid_type', `${param} must be a string.`, param);
  }
  if (value.trim() === '') {
    throw invalidRequest('invalid_value', `${param} must not be empty or blank.`, param);
  }
  return value;
}

export function nonEmptyString(value: unknown, param: string): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidRequest('invalid_value', `${param} must be a non-empty string.`, param);
  }
  return value;
}

/** A tool name or tool use id. */
export function identifier(value: unknown, param: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw invalidRequest('invalid_value', `${param} must be 1 to 64 letters, digits, underscores or hyphens.`, param);
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], param: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw invalidRequest('invalid_value', `${param} must be one of: ${allowed.join(', ')}.`, param);
  }
  return value as T;
}

export function boundedArray(value: unknown, param: string, max: number): unknown[] {
  if (!Array.isArray(value)) {
    throw invalidRequest('invalid_type', `${param} must be an array.`, param);
  }
  if (value.length === 0 || value.length > max) {
    throw invalidRequest('invalid_value', `${param} must hold 1 to ${max} items.`, param);
  }
  return value;
}

export function jsonObject(value: unknown, param: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('invalid_type', `${param} must be a JSON object.`, param);
  }
  return value as Record<string, unknown>;
}

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown, param: string): Record<string, unknown> {
  if (!isRecord(value)) {
    throw invalidRequest('invalid_type', `${param} must be an object.`, param);
  }
  return value as Record<string, unknown>;
}

/** An object with only the named fields (an unknown one is reported without its name). */
export function fields(value: unknown, param: string, allowed: readonly string[]): Record<string, unknown> {
  const object = record(value, param);
  if (Object.keys(object).some((key) => !allowed.includes(key))) {
    throw invalidRequest('unknown_field', `${param} may only have the fields ${allowed.join(', ')}.`, param);
  }
  return object;
}
