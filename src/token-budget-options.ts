import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/**
 * Per-caller limits, on every endpoint, kept in a DynamoDB table: requests and tokens per UTC minute, tokens per UTC
 * day and calendar month, and (with `pricing`) USD per day and month. A caller's `limits` item in the table (a managed
 * key's own limits, written by `keys create`) replaces any of them for that caller. See docs/keys-and-budgets.md.
 */
export interface TokenBudgetOptions {
  /**
   * Requests each caller may make per UTC minute (429 `rate_limited` with `Retry-After` beyond it). Counted in fixed
   * minute windows: a caller may make up to twice this many in the 60 s around a minute boundary.
   *
   * @default - no request rate limit
   */
  readonly requestsPerMinute?: number;
  /**
   * Tokens each caller may use per UTC minute (input, output and cache tokens; 429 `rate_limited` beyond it), in
   * fixed minute windows like `requestsPerMinute`.
   *
   * @default - no token rate limit
   */
  readonly tokensPerMinute?: number;
  /**
   * Tokens each caller may spend per UTC day (input, output and cache tokens). A caller's `limits` item in the table
   * overrides it for that caller.
   *
   * @default - no daily limit
   */
  readonly tokensPerDay?: number;
  /**
   * Tokens each caller may spend per UTC calendar month (input, output and cache tokens). A caller's `limits` item
   * in the table overrides it for that caller.
   *
   * @default - no monthly limit
   */
  readonly tokensPerMonth?: number;
  /**
   * USD each caller may spend per UTC day, at the prices of `pricing` (which then needs a price for every model the
   * API allows). 429 `budget_exceeded` when a request's worst case does not fit.
   *
   * @default - no daily spend limit
   */
  readonly spendPerDay?: number;
  /**
   * USD each caller may spend per UTC calendar month, at the prices of `pricing` (which then needs a price for every
   * model the API allows).
   *
   * @default - no monthly spend limit
   */
  readonly spendPerMonth?: number;
  /**
   * Your own ledger table, e.g. one shared by several APIs or encrypted with your KMS key. It must have a string
   * partition key `pk` and a string sort key `sk`, and should have TTL on `expiresAt`. The handler gets `GetItem` and
   * `UpdateItem` on it (and `kms:Decrypt`, `kms:DescribeKey`, `kms:Encrypt`, `kms:GenerateDataKey` on its customer
   * managed key, if it has one). With your own table, the limits may come from its `limits` items alone (a caller
   * without one is then not limited).
   *
   * @default - a new table: on-demand, TTL on `expiresAt`, point-in-time recovery, encrypted, kept when the stack is
   * deleted (`budgetTable`)
   */
  readonly table?: dynamodb.ITable;
  /**
   * Answer unmetered when the table cannot be reached (no answer in time, throttling, a DynamoDB fault), instead of
   * refusing with 503 `budget_unavailable`. Such answers are logged at WARN and counted by
   * `metricUnmeteredRequests()`. A table DynamoDB says is wrong (access denied, no such table, another key schema)
   * is still refused with 503: failing open there would switch budgets off until someone noticed.
   *
   * @default false
   */
  readonly failOpen?: boolean;
}
