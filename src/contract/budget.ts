/**
 * The token budget ledger's layout, written once: the construct creates the table with this key schema and TTL
 * attribute (and documents it for a table of your own), the handler reads and writes these items, and the local
 * runner creates the same table in its embedded DynamoDB-compatible server.
 *
 * Items of one caller (partition key `<caller type>#<caller id>`, e.g. `apiKey#a1b2c3d4e5`):
 *
 *   sk `limits`            optional, written by the operator: `tokensPerDay` and/or `tokensPerMonth` (numbers) replace
 *                          the API's limits for this caller
 *   sk `day#2026-12-03`    `usedTokens` reserved and charged in that UTC day, `expiresAt` (TTL, epoch seconds)
 *   sk `month#2026-12`     `usedTokens` reserved and charged in that UTC calendar month, `expiresAt`
 */

/** Key attribute names (both strings) and the TTL attribute of the ledger table. */
export const BudgetTableSchema = {
  PARTITION_KEY: 'pk',
  SORT_KEY: 'sk',
  TIME_TO_LIVE_ATTRIBUTE: 'expiresAt',
} as const;

/** Attribute names of the ledger's items. */
export const BudgetAttributes = {
  REQUESTS: 'requests',
  USED_TOKENS: 'usedTokens',
  SPENT_USD: 'spentUsd',
  TOKENS_PER_DAY: 'tokensPerDay',
  TOKENS_PER_MONTH: 'tokensPerMonth',
} as const;

/** Sort key of a caller's optional limits item. */
export const BUDGET_LIMITS_SORT_KEY = 'limits';

/** Period items outlive their period by this much (a usage record for reports), then TTL deletes them. */
export const BUDGET_TTL_MARGIN_SECONDS = 35 * 24 * 60 * 60;

/** Response header: the tokens the caller has left in its tightest period after this request's reservation. */
export const BUDGET_REMAINING_HEADER = 'X-Budget-Remaining-Tokens';

/** The periods a budget counts over, in UTC. */
export type BudgetPeriod = 'day' | 'month';

/** The partition key of a caller's items. */
export function budgetPartitionKey(caller: { readonly type: string; readonly id: string }): string {
  return `${caller.type}#${caller.id}`;
}

/** The sort key of the period item that `at` falls in: `day#YYYY-MM-DD` or `month#YYYY-MM`. */
export function budgetSortKey(period: BudgetPeriod, at: Date): string {
  const iso = at.toISOString();
  return period === 'day' ? `day#${iso.slice(0, 10)}` : `month#${iso.slice(0, 7)}`;
}

/** When the period that `at` falls in ends (the next UTC midnight or first of the month). */
export function budgetPeriodEnd(period: BudgetPeriod, at: Date): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  return period === 'day' ? new Date(Date.UTC(y, m, at.getUTCDate() + 1)) : new Date(Date.UTC(y, m + 1, 1));
}

/**
 * Whether `value` can be a token limit: a whole number of tokens >= 0 (0 refuses every request). The construct checks
 * its props with it, the handler its configuration and the callers' `limits` items.
 */
export function isTokenLimit(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Tokens a caller may use per period; a period without a number is not limited. */
export interface BudgetLimits {
  readonly tokensPerDay?: number;
  readonly tokensPerMonth?: number;
}
