/** How a guardrail scans a streamed answer. */
export enum GuardrailStreamMode {
  /** The guardrail scans each chunk before it is sent (safer, adds latency). */
  SYNC = 'sync',
  /** Chunks are sent at once and scanned in the background (lower latency; cannot mask PII). */
  ASYNC = 'async',
}
