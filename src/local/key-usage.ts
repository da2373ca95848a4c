/**
 * `keys usage`: requests, tokens and USD per managed key, summed from the budget ledger's day items (contract/budget.ts)
 * of a range of UTC days. The day item is the ledger's usage record: with `tokenBudget` on, the handler writes one per
 * caller and day, with `usedTokens`, `requests` and, when the API has `pricing` for the model, `spentUsd`.
 */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BudgetAttributes, BudgetTableSchema, budgetPartitionKey } from '../contract';

/** One day item of one key, as read from the ledger; an attribute the item lacks is undefined. */
export interface DayUsage {
  readonly keyId: string;
  readonly tokens: number;
  readonly requests?: number;
  readonly usd?: number;
}

/**
 * One key's usage over the report's days. `usd` (or `requests`) is undefined when none of the key's day items has
 * the attribute (an API without `pricing`, or items written before the ledger counted it); an item without it counts 0
 * when others have it.
 */
export interface KeyUsage {
  readonly keyId: string;
  readonly tokens: number;
  readonly requests?: number;
  readonly usd?: number;
}

/** The UTC days a report covers, inclusive: `YYYY-MM-DD` each; no `until` reaches the newest item. */
export interface UsageRange {
  readonly since: string;
  readonly until?: string;
}

/** Sums day items per key; the biggest spender first (USD, then tokens), ties by key id. */
export function sumUsage(items: Iterable<DayUsage>): KeyUsage[] {
  const byKey = new Map<string, KeyUsage>();
  for (const item of items) {
    const sum = byKey.get(item.keyId);
    byKey.set(item.keyId, {
      keyId: item.keyId,
      tokens: (sum?.tokens ?? 0) + item.tokens,
      requests: addKnown(sum?.requests, item.requests),
      usd: addKnown(sum?.usd, item.usd),
    });
  }
  return [...byKey.values()].sort(
    (a, b) => (b.usd ?? 0) - (a.usd ?? 0) || b.tokens - a.tokens || a.keyId.localeCompare(b.keyId),
  );
}

/** The total of the report's keys, with the same rule for an attribute no item had. */
export function totalUsage(usage: readonly KeyUsage[]): Omit<KeyUsage, 'keyId'> {
  return usage.reduce<Omit<KeyUsage, 'keyId'>>(
    (total, key) => ({
      tokens: total.tokens + key.tokens,
      requests: addKnown(total.requests, key.requests),
      usd: addKnown(total.usd, key.usd),
    }),
    { tokens: 0 },
  );
}

/** a + b where either may be unknown: unknown only when both are. */
function addKnown(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}

/**
 * Each key's day items in the range, summed. A Scan with the operator's credentials (the handler never scans): the
 * ledger's partitions are per caller, and a report reads every key's. Day items live 35 days past their day (the
 * ledger's TTL), so a report reaches that far back.
 */
export async function keyUsage(client: DynamoDBClient, budgetTable: string, range: UsageRange): Promise<KeyUsage[]> {
  const items: DayUsage[] = [];
  const prefix = budgetPartitionKey({ type: 'managedKey', id: '' });
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: budgetTable,
        // `day#YYYY-MM-DD` sort keys order as their dates do, and no other item's sort key falls between two of them.
        FilterExpression: 'begins_with(#pk, :caller) AND #sk BETWEEN :since AND :until',
        ExpressionAttributeNames: { '#pk': BudgetTableSchema.PARTITION_KEY, '#sk': BudgetTableSchema.SORT_KEY },
        ExpressionAttributeValues: {
          ':caller': { S: prefix },
          ':since': { S: `day#${range.since}` },
          ':until': { S: `day#${range.until ?? '9999-12-31'}` },
        },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      items.push({
        keyId: item[BudgetTableSchema.PARTITION_KEY].S!.slice(prefix.length),
        tokens: numberOf(item[BudgetAttributes.USED_TOKENS]) ?? 0,
        requests: numberOf(item[BudgetAttributes.REQUESTS]),
        usd: numberOf(item[BudgetAttributes.SPENT_USD]),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return sumUsage(items);
}

function numberOf(value: AttributeValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}

/** USD as the report shows it: 4 decimals (a short request costs hundredths of a cent), `-` when unknown. */
export function usdText(usd: number | undefined): string {
  return usd === undefined ? '-' : usd.toFixed(4);
}

/** USD in --json: rounded to a millionth of a dollar, so that float sums print no noise digits. */
export function usdJson(usd: number | undefined): number | null {
  return usd === undefined ? null : Math.round(usd * 1e6) / 1e6;
}
