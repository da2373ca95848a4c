/**
 * The token budget ledger's layout, written once: the construct creates the table with this key schema and TTL
 * attribute (and documents it for a table of your own), the handler reads and writes these items, and the local
 * runner creates the same table in its embedded DynamoDB-compatible server.
 *
 * Items of one caller (partition key `<caller type>#<caller id>`, e.g. `apiKey#a1b2c3d4e5`):
 *
 *   sk `limits`                  optional, written by the operator (or `keys create`): any of `requestsPerMinute`,
 *                                `tokensPerMinute`, `tokensPerDay`, `tokensPerMonth`, `spendPerDay`, `spendPerMonth`
 *                                (numbers) replace the API's limit of that name for this caller
 *   sk `minute#2026-12-03T10:15` `requests` and `usedTokens` of that UTC minute (written only when a per-minute limit
 *                                applies), `expiresAt` (TTL, epoch seconds)
 *   sk `day#2026-12-03`          `requests`, `usedTokens` and (with pricing) `spentUsd` of that UTC day: written for
 *                                every budgeted request, limited or not, as the caller's usage record
 *   sk `month#2026-12`           the same for that UTC calendar month (written only when a monthly limit applies)
 *
 * Tokens and USD are reserved (the request's worst case) before the model is called and settled to the real usage
 * after; `requests` counts every request that got past the check.
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
  REQUESTS_PER_MINUTE: 'requestsPerMinute',
  TOKENS_PER_MINUTE: 'tokensPerMinute',
  TOKENS_PER_DAY: 'tokensPerDay',
  TOKENS_PER_MONTH: 'tokensPerMonth',
  SPEND_PER_DAY: 'spendPerDay',
  SPEND_PER_MONTH: 'spendPerMonth',
} as const;

/** Sort key of a caller's optional limits item. */
export const BUDGET_LIMITS_SORT_KEY = 'limits';

/** Day and month items outlive their period by this much (a usage record for reports), then TTL deletes them. */
export const BUDGET_TTL_MARGIN_SECONDS = 35 * 24 * 60 * 60;
/** Minute items serve no report: TTL may delete them an hour after their minute. */
export const MINUTE_TTL_MARGIN_SECONDS = 60 * 60;

/** Response header: the tokens the caller has left in its tightest period after this request's reservation. */
export const BUDGET_REMAINING_HEADER = 'X-Budget-Remaining-Tokens';
/** Response header: the USD the caller has left in its tightest spend period after this request's reservation. */
export const BUDGET_REMAINING_USD_HEADER = 'X-Budget-Remaining-Usd';

/** The periods a budget counts over, in UTC. */
export type BudgetPeriod = 'minute' | 'day' | 'month';

/** What a period item counts: requests, tokens, and USD (with pricing). */
export type BudgetCounter = 'requests' | 'tokens' | 'usd';

/** The partition key of a caller's items. */
export function budgetPartitionKey(caller: { readonly type: string; readonly id: string }): string {
  return `${caller.type}#${caller.id}`;
}

/** ISO timestamp characters that name a period: `2026-12-03T10:15`, `2026-12-03`, `2026-12`. */
const PERIOD_KEY_LENGTH: Record<BudgetPeriod, number> = { minute: 16, day: 10, month: 7 };

/** The sort key of the period item that `at` falls in: `minute#YYYY-MM-DDTHH:MM`, `day#YYYY-MM-DD` or `month#YYYY-MM`. */
export function budgetSortKey(period: BudgetPeriod, at: Date): string {
  return `${period}#${at.toISOString().slice(0, PERIOD_KEY_LENGTH[period])}`;
}

/** When the period that `at` falls in ends (the next UTC minute, midnight or first of the month). */
export function budgetPeriodEnd(period: BudgetPeriod, at: Date): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  if (period === 'minute') {
    return new Date(Date.UTC(y, m, at.getUTCDate(), at.getUTCHours(), at.getUTCMinutes() + 1));
  }
  return period === 'day' ? new Date(Date.UTC(y, m, at.getUTCDate() + 1)) : new Date(Date.UTC(y, m + 1, 1));
}

/**
 * Whether `value` can be a token limit: a whole number of tokens >= 0 (0 refuses every request). The construct checks
 * its props with it, the handler its configuration and the callers' `limits` items.
 */
export function isTokenLimit(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * Whether `value` can be a spend limit or a price: a finite number of USD >= 0. The construct checks its props with it,
 * the handler its configuration and the callers' `limits` items.
 */
export function isUsdAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * A USD amount as a DynamoDB number: rounded to a billionth of a dollar (a token of the cheapest model costs more than
 * that), in plain decimal notation. DynamoDB adds and compares such numbers exactly, so the ledger's sums do not
 * drift the way binary floating point would.
 */
export function usdNumber(usd: number): string {
  const fixed = usd.toFixed(9).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}

/** What a caller may use; a limit without a number does not apply. */
export interface BudgetLimits {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
  readonly tokensPerDay?: number;
  readonly tokensPerMonth?: number;
  /** USD per UTC day (needs pricing for the model). */
  readonly spendPerDay?: number;
  /** USD per UTC calendar month (needs pricing for the model). */
  readonly spendPerMonth?: number;
}

/** Each limit: the period it counts over and what it counts, in the order a refusal names them (shortest first). */
export const BUDGET_LIMITS: ReadonlyArray<{
  readonly name: keyof BudgetLimits;
  readonly period: BudgetPeriod;
  readonly counter: BudgetCounter;
}> = [
  { name: 'requestsPerMinute', period: 'minute', counter: 'requests' },
  { name: 'tokensPerMinute', period: 'minute', counter: 'tokens' },
  { name: 'tokensPerDay', period: 'day', counter: 'tokens' },
  { name: 'spendPerDay', period: 'day', counter: 'usd' },
  { name: 'tokensPerMonth', period: 'month', counter: 'tokens' },
  { name: 'spendPerMonth', period: 'month', counter: 'usd' },
];

/** What the limit `name` counts (BUDGET_LIMITS). */
export function budgetLimitCounter(name: keyof BudgetLimits): BudgetCounter {
  return BUDGET_LIMITS.find((limit) => limit.name === name)!.counter;
}

/** Whether `value` can be the limit `name`: a whole count for requests and tokens, a USD amount for spend. */
export function isBudgetLimit(name: keyof BudgetLimits, value: unknown): value is number {
  return budgetLimitCounter(name) === 'usd' ? isUsdAmount(value) : isTokenLimit(value);
}
