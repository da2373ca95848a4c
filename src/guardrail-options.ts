import { GuardrailStreamMode } from './guardrail-stream-mode';

/** A Bedrock guardrail applied to every request. Callers can neither change nor disable it. */
export interface GuardrailOptions {
  /** The guardrail id or ARN. */
  readonly guardrailIdentifier: string;
  /** The guardrail version: a number such as `'1'`, or `'DRAFT'`. */
  readonly guardrailVersion: string;
  /**
   * How the guardrail scans the streamed answer.
   *
   * @default GuardrailStreamMode.SYNC
   */
  readonly streamProcessingMode?: GuardrailStreamMode;
  /**
   * Ask Bedrock for the guardrail trace (it is logged, never sent to callers).
   *
   * @default false
   */
  readonly trace?: boolean;
}
