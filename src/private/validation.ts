import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Synth-time checks. Each throws an error naming what is configured (the subject: a construct class and its path),
 * the prop, the bad value and the fix. Values that are tokens (unknown until deployment) are skipped: they cannot be
 * checked here.
 */

/** The subject of error messages, e.g. `StreamingBedrockApi at 'MyStack/Chat'`: one app may hold several APIs. */
export function subjectOf(className: string, scope: IConstruct): string {
  return `${className} at '${scope.node.path}'`;
}

/** Renders a value for an error message. */
export function show(value: unknown): string {
  if (value instanceof Duration) {
    return value.toHumanString();
  }
  if (isUnresolvedValue(value)) {
    return '(a token, whose value is known only at deployment)';
  }
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    return String(value);
  }
  return JSON.stringify(value) ?? String(value);
}

export function fail(subject: string, prop: string, value: unknown, fix: string): never {
  throw new Error(`${subject}: invalid ${prop} ${show(value)}. ${fix}`);
}

export function isUnresolvedValue(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value);
}

/** Bedrock model id or system inference profile id, e.g. `us.anthropic.claude-haiku-4-5-20251001-v1:0`. */
const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+(:[a-z0-9-]+)*$/i;

/**
 * An application inference profile ARN (an operator-made profile, e.g. for cost tracking):
 * `arn:aws:bedrock:{region}:{account}:application-inference-profile/{id}`.
 */
export const APPLICATION_PROFILE_ARN_PATTERN =
  /^arn:(aws[a-z-]*):bedrock:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):application-inference-profile\/([a-z0-9]+)$/;

export function validateModelId(subject: string, prop: string, value: string): void {
  if (isUnresolvedValue(value)) {
    fail(subject, prop, value, 'Pass the model id as a literal string: IAM permissions are derived from it at synth.');
  }
  if (typeof value !== 'string' || value.trim() === '') {
    fail(subject, prop, value, "Pass a Bedrock model id such as 'us.anthropic.claude-haiku-4-5-20251001-v1:0'.");
  }
  if (value.startsWith('arn:')) {
    if (APPLICATION_PROFILE_ARN_PATTERN.test(value)) {
      return;
    }
    fail(
      subject,
      prop,
      value,
      "Pass a model id ('amazon.nova-lite-v1:0'), a system inference profile id ('us.amazon.nova-lite-v1:0') or an " +
        "application inference profile ARN ('arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6'), " +
        'not another ARN; for provisioned throughput, bring your own handler.',
    );
  }
  if (!MODEL_ID_PATTERN.test(value)) {
    fail(
      subject,
      prop,
      value,
      "Pass a Bedrock model id ('provider.model-version:n', e.g. 'amazon.nova-lite-v1:0') or an inference profile " +
        "id ('us.', 'eu.', 'apac.', 'global.' + model id, e.g. 'us.anthropic.claude-haiku-4-5-20251001-v1:0'), with no " +
        'spaces.',
    );
  }
}

export function validatePositiveInteger(subject: string, prop: string, value: number | undefined, fix: string): void {
  if (value === undefined || isUnresolvedValue(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < 1) {
    fail(subject, prop, value, fix);
  }
}

export function validateRange(
  subject: string,
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined || isUnresolvedValue(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    fail(subject, prop, value, `Use a number from ${min} to ${max}.`);
  }
}

export function validateNonNegativeFinite(subject: string, prop: string, value: number | undefined): void {
  if (value === undefined || isUnresolvedValue(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < 0) {
    fail(subject, prop, value, 'Use a finite number >= 0.');
  }
}

/** An origin is a scheme and a host (and optional port), with no path: `https://app.example.com`. */
const ORIGIN_PATTERN = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9-]+(\.[a-z0-9-]+)*)(:\d{1,5})?$/i;

export function validateOrigin(subject: string, prop: string, origin: string): void {
  if (isUnresolvedValue(origin) || origin === '*') {
    return;
  }
  if (!ORIGIN_PATTERN.test(origin)) {
    fail(
      subject,
      prop,
      origin,
      "Use a full origin with scheme and host and no path or trailing slash, e.g. 'https://app.example.com', or '*'.",
    );
  }
}
