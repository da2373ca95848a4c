/**
 * What one model costs, in USD per million tokens, as on the Amazon Bedrock pricing page for your Region
 * (https://aws.amazon.com/bedrock/pricing/). Used for the cost in each log line, `metricSpend()`, and spend limits.
 */
export interface ModelPrice {
  /** USD per million input tokens. */
  readonly inputPerMillionTokens: number;
  /** USD per million output tokens (reasoning tokens are billed as output). */
  readonly outputPerMillionTokens: number;
  /**
   * USD per million input tokens read from the prompt cache.
   *
   * @default - the input price
   */
  readonly cacheReadPerMillionTokens?: number;
  /**
   * USD per million input tokens written to the prompt cache.
   *
   * @default - the input price
   */
  readonly cacheWritePerMillionTokens?: number;
}
