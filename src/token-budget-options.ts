import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/**
 * Per-caller token budgets: the tokens each caller may spend per UTC day and per UTC calendar month, on every
 * endpoint, kept in a DynamoDB table. See the README section "Token budgets".
 */
export interface TokenBudgetOptions {
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
