/**
 * The budget ledger in DynamoDB (layout: contract/budget.ts). A reservation adds a request's worst case (one request,
 * its tokens, its USD) to the caller's period items, one conditional update per item, so concurrent requests can
 * never together pass a limit: each update checks the totals it produces. Settling adds the difference between what
 * was reserved and what the model really used.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  BUDGET_LIMITS,
  BUDGET_LIMITS_SORT_KEY,
  BUDGET_TTL_MARGIN_SECONDS,
  BudgetAttributes as Attr,
  BudgetTableSchema as Schema,
  MINUTE_TTL_MARGIN_SECONDS,
  budgetPartitionKey,
  budgetPeriodEnd,
  budgetSortKey,
  isBudgetLimit,
  readStoreTimeouts,
  usdNumber,
  type BudgetCounter,
  type BudgetLimits,
  type BudgetPeriod,
} from '../contract';
import type { Caller } from './caller';
import type { BudgetConfig } from './config';
import { loadDynamoDb, type LedgerSdk } from './dynamodb';

/** What a request adds to the ledger: before the model is called its worst case, after it its real usage. */
export interface Charge {
  readonly requests: number;
  readonly tokens: number;
  /** Undefined when the API has no price for the model: nothing is added to the USD counters. */
  readonly usd?: number;
  /**
   * Only the request counters are checked: a backend whose tokens the API cannot see (an AgentCore agent) is limited
   * by its callers' requests per minute, never by token or spend limits it could not count.
   */
  readonly requestsOnly?: boolean;
}

/** A charge added to a caller's period items, to be settled once the model has answered. */
export interface Reservation {
  readonly charge: Charge;
  /** The sort keys of the period items the charge was added to. */
  readonly sortKeys: readonly string[];
  /** What is left in the caller's tightest limit of each counter after this reservation (undefined: no limit). */
  readonly remaining: Partial<Record<BudgetCounter, number>>;
}

/** The reservation does not fit in the caller's `limit`; nothing stays reserved. */
export class BudgetExceededError extends Error {
  constructor(
    readonly limit: (typeof BUDGET_LIMITS)[number],
    readonly resetsAt: Date,
  ) {
    super(`${limit.name} exceeded`);
    this.name = 'BudgetExceededError';
  }
}

/** The ledger could not be read or written (network, throttling, permissions, missing table). */
export class BudgetLedgerUnavailableError extends Error {
  /**
   * DynamoDB answered that the ledger itself is wrong (access denied, no such table, a key schema that does not
   * match): the operator has to act, and waiting does not help. Otherwise the ledger was out of reach (no answer in
   * time, throttling, a DynamoDB fault).
   */
  readonly misconfigured: boolean;

  constructor(cause: unknown) {
    super('token budget ledger unavailable', { cause });
    this.name = 'BudgetLedgerUnavailableError';
    this.misconfigured = isMisconfiguration(cause);
  }
}

/** A caller's `limits` item holds a limit that is not a number of the right kind (a string, say, or -1). */
export class InvalidLimitsItemError extends Error {
  constructor(readonly attribute: string) {
    super(`the caller's limits item has an invalid ${attribute}`);
    this.name = 'InvalidLimitsItemError';
  }
}

/** A spend limit applies, but the API has no price for the model: the request cannot be counted in USD. */
export class UnpricedModelError extends Error {
  constructor() {
    super('a spend limit applies to a model without a price');
    this.name = 'UnpricedModelError';
  }
}

/** DynamoDB's throttling errors: client faults (400) that only say "not now". */
const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** A 4xx answer from DynamoDB other than throttling: the request can never succeed as the ledger is set up. */
function isMisconfiguration(err: unknown): boolean {
  if (err instanceof InvalidLimitsItemError || err instanceof UnpricedModelError) {
    return true;
  }
  const { name, $metadata } = (err ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && !THROTTLING_ERRORS.has(name ?? '');
}

/** The attribute of each counter. */
const COUNTER_ATTRIBUTES: Record<BudgetCounter, string> = {
  requests: Attr.REQUESTS,
  tokens: Attr.USED_TOKENS,
  usd: Attr.SPENT_USD,
};

/** One period item a reservation writes, and the limits its update checks. */
interface PeriodItem {
  readonly period: BudgetPeriod;
  readonly sk: string;
  readonly limits: ReadonlyArray<(typeof BUDGET_LIMITS)[number] & { readonly value: number }>;
  /** The item's TTL, epoch seconds. */
  readonly expires: number;
}

/**
 * The items a reservation writes: the minute and month items only where a limit of theirs applies, the day item
 * always (it is the caller's usage record, which `keys usage` reports).
 */
function periodItems(limits: BudgetLimits, now: Date): PeriodItem[] {
  const periods: BudgetPeriod[] = ['minute', 'day', 'month'];
  return periods.flatMap((period) => {
    const applying = BUDGET_LIMITS.filter((l) => l.period === period && limits[l.name] !== undefined).map((l) => ({
      ...l,
      value: limits[l.name]!,
    }));
    if (!applying.length && period !== 'day') {
      return [];
    }
    return [{ period, sk: budgetSortKey(period, now), limits: applying, expires: expiresAt(period, now) }];
  });
}

/** Of `limits`, only those that count requests. */
function requestLimits(limits: BudgetLimits): BudgetLimits {
  return Object.fromEntries(
    BUDGET_LIMITS.filter((l) => l.counter === 'requests').map((l) => [l.name, limits[l.name]]),
  ) as BudgetLimits;
}

/** The first limit of `item` the charge alone passes (no earlier use needed), if any. */
function limitPassedAlone(item: PeriodItem, charge: Charge): PeriodItem['limits'][number] | undefined {
  return item.limits.find((limit) => (charge[limit.counter] ?? 0) > limit.value);
}

export class BudgetLedger {
  /**
   * @param client reads and reserves; it may retry, since a reservation counted twice only overcharges the caller.
   * @param sdk the commands of the client's package (dynamodb.ts loads them on demand).
   * @param writeOnceClient gives tokens back (settlement, release) and must not retry: a write whose answer was lost
   *   would otherwise give the tokens back twice. The same client as `client` where retries are off anyway.
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly defaults: BudgetLimits,
    private readonly sdk: LedgerSdk,
    private readonly writeOnceClient: DynamoDBClient = client,
  ) {}

  /**
   * Reserves `charge` in every period item of the caller, or throws having reserved none: BudgetExceededError naming
   * the refused limit whose period resets last (retrying earlier is pointless), or BudgetLedgerUnavailableError. The
   * items are updated at once, so a minute, a day and a month limit cost one round trip, not three.
   */
  async reserve(caller: Caller, charge: Charge, now = new Date()): Promise<Reservation> {
    const pk = budgetPartitionKey(caller);
    const limits = await this.guard(() => this.limitsOf(pk));
    const items = periodItems(charge.requestsOnly ? requestLimits(limits) : limits, now);
    if (charge.usd === undefined && items.some((item) => item.limits.some((l) => l.counter === 'usd'))) {
      throw new BudgetLedgerUnavailableError(new UnpricedModelError());
    }
    const outcomes = await Promise.allSettled(items.map((item) => this.addWithin(pk, item, charge)));
    // The new totals per item; undefined where the charge did not fit or the update failed.
    const totals = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : undefined));
    if (totals.some((t) => t === undefined)) {
      await this.release(
        pk,
        items.filter((_, i) => totals[i] !== undefined).map((item) => item.sk),
        charge,
      );
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failure) {
        throw new BudgetLedgerUnavailableError(failure.reason);
      }
      const refused = items.filter((_, i) => totals[i] === undefined).pop()!; // shortest period first
      throw new BudgetExceededError(await this.refusedLimit(pk, refused, charge), budgetPeriodEnd(refused.period, now));
    }
    return { charge, sortKeys: items.map((item) => item.sk), remaining: remainingOf(items, totals as Totals[]) };
  }

  /** Replaces the reservation by what the model really used; `signal` gives up on the ledger. */
  async settle(caller: Caller, reservation: Reservation, used: Charge, signal?: AbortSignal): Promise<void> {
    const reserved = reservation.charge;
    const difference: Charge = {
      requests: 0,
      tokens: used.tokens - reserved.tokens,
      usd: reserved.usd === undefined ? undefined : (used.usd ?? 0) - reserved.usd,
    };
    if (difference.tokens === 0 && !difference.usd) {
      return;
    }
    const pk = budgetPartitionKey(caller);
    await this.guard(() => Promise.all(reservation.sortKeys.map((sk) => this.add(pk, sk, difference, signal))));
  }

  /**
   * The API's limits, replaced one by one by the caller's `limits` item where it names one. A limit the item names
   * but spells wrong refuses the caller (InvalidLimitsItemError) rather than falling back to the API's number: the
   * operator meant something else for this caller.
   */
  private async limitsOf(pk: string): Promise<BudgetLimits> {
    const { Item } = await this.client.send(
      // Strongly consistent: a limits item an operator just wrote applies to the next request.
      new this.sdk.GetItemCommand({
        TableName: this.tableName,
        Key: key(pk, BUDGET_LIMITS_SORT_KEY),
        ConsistentRead: true,
      }),
    );
    return Object.fromEntries(
      BUDGET_LIMITS.map(({ name }) => [name, limitOf(Item, name) ?? this.defaults[name]]),
    ) as BudgetLimits;
  }

  /** Adds `charge` unless a total would pass its limit: the new totals, or undefined when the charge does not fit. */
  private async addWithin(pk: string, item: PeriodItem, charge: Charge): Promise<Totals | undefined> {
    if (limitPassedAlone(item, charge)) {
      return undefined; // the condition below would let the first reservation of a period through
    }
    const update = additions(charge);
    const names: Record<string, string> = { ...update.names, '#expires': Schema.TIME_TO_LIVE_ATTRIBUTE };
    const values: Record<string, AttributeValue> = { ...update.values, ':expires': { N: String(item.expires) } };
    const conditions = item.limits.map(({ counter, value }) => {
      values[`:most_${counter}`] = { N: amount(counter, value - (charge[counter] ?? 0)) };
      return `(attribute_not_exists(#${counter}) OR #${counter} <= :most_${counter})`;
    });
    try {
      const { Attributes } = await this.client.send(
        new this.sdk.UpdateItemCommand({
          TableName: this.tableName,
          Key: key(pk, item.sk),
          UpdateExpression: `${update.expression} SET #expires = if_not_exists(#expires, :expires)`,
          ConditionExpression: conditions.length ? conditions.join(' AND ') : undefined,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return totalsOf(Attributes);
    } catch (err) {
      // By name: the exception's module is not loaded on its own (dynamodb.ts keeps the on-demand part small).
      if ((err as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException') {
        return undefined;
      }
      throw err;
    }
  }

  /**
   * Which limit of a refusing item the charge did not fit, for the 429's code and message: read back (the refusal
   * path only), and the item's first limit when the read fails (the refusal itself stands).
   */
  private async refusedLimit(pk: string, item: PeriodItem, charge: Charge): Promise<PeriodItem['limits'][number]> {
    const alone = limitPassedAlone(item, charge);
    if (alone) {
      return alone;
    }
    try {
      const { Item } = await this.client.send(
        new this.sdk.GetItemCommand({ TableName: this.tableName, Key: key(pk, item.sk), ConsistentRead: true }),
      );
      const totals = totalsOf(Item);
      return item.limits.find((l) => (totals[l.counter] ?? 0) + (charge[l.counter] ?? 0) > l.value) ?? item.limits[0];
    } catch {
      return item.limits[0];
    }
  }

  /** Takes a refused reservation back out of the items it was already added to (best effort). */
  private async release(pk: string, sortKeys: readonly string[], charge: Charge): Promise<void> {
    const back: Charge = { requests: -charge.requests, tokens: -charge.tokens, usd: charge.usd && -charge.usd };
    await Promise.allSettled(sortKeys.map((sk) => this.add(pk, sk, back)));
  }

  private async add(pk: string, sk: string, charge: Charge, abortSignal?: AbortSignal): Promise<void> {
    const update = additions(charge);
    await this.writeOnceClient.send(
      new this.sdk.UpdateItemCommand({
        TableName: this.tableName,
        Key: key(pk, sk),
        UpdateExpression: update.expression,
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: update.values,
      }),
      { abortSignal },
    );
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw new BudgetLedgerUnavailableError(err);
    }
  }
}

/** An item's counters as DynamoDB returned them. */
type Totals = Partial<Record<BudgetCounter, number>>;

/** `ADD` of each counter the charge moves (requests and tokens always, USD when priced). */
function additions(charge: Charge): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
} {
  const counters = (['requests', 'tokens', 'usd'] as const).filter((c) => charge[c] !== undefined);
  return {
    expression: `ADD ${counters.map((c) => `#${c} :${c}`).join(', ')}`,
    names: Object.fromEntries(counters.map((c) => [`#${c}`, COUNTER_ATTRIBUTES[c]])),
    values: Object.fromEntries(counters.map((c) => [`:${c}`, { N: amount(c, charge[c]!) }])),
  };
}

/** A counter's amount as a DynamoDB number: USD rounded to a billionth, counts as they are. */
function amount(counter: BudgetCounter, value: number): string {
  return counter === 'usd' ? usdNumber(value) : String(value);
}

function totalsOf(attributes: Record<string, AttributeValue> | undefined): Totals {
  const entries = (Object.keys(COUNTER_ATTRIBUTES) as BudgetCounter[]).map(
    (c) => [c, numberOf(attributes?.[COUNTER_ATTRIBUTES[c]])] as const,
  );
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

/** The least left of each counter over the items' limits. */
function remainingOf(items: readonly PeriodItem[], totals: readonly Totals[]): Reservation['remaining'] {
  const remaining: Partial<Record<BudgetCounter, number>> = {};
  items.forEach((item, i) => {
    for (const { counter, value } of item.limits) {
      const left = value - (totals[i][counter] ?? 0);
      remaining[counter] = Math.min(remaining[counter] ?? Infinity, left);
    }
  });
  return remaining;
}

function key(pk: string, sk: string): Record<string, AttributeValue> {
  return { [Schema.PARTITION_KEY]: { S: pk }, [Schema.SORT_KEY]: { S: sk } };
}

/** A limit of a `limits` item: undefined when the item does not name it. */
function limitOf(item: Record<string, AttributeValue> | undefined, name: keyof BudgetLimits): number | undefined {
  const value = item?.[name];
  if (value === undefined) {
    return undefined;
  }
  const limit = numberOf(value);
  if (!isBudgetLimit(name, limit)) {
    throw new InvalidLimitsItemError(name);
  }
  return limit;
}

function numberOf(value: AttributeValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}

/** The TTL of a period item: the end of its period plus its margin, in epoch seconds. */
function expiresAt(period: BudgetPeriod, now: Date): number {
  const margin = period === 'minute' ? MINUTE_TTL_MARGIN_SECONDS : BUDGET_TTL_MARGIN_SECONDS;
  return Math.floor(budgetPeriodEnd(period, now).getTime() / 1000) + margin;
}

let cached: { key: string; requestHandler: NodeHttpHandler; ledger: BudgetLedger } | undefined;

/**
 * One ledger (and keep-alive connections) per execution environment. Short timeouts and one retry for reads and
 * reservations: a slow ledger must fail fast into the 503 (or failOpen), not eat the answer's time. Writes that give
 * tokens back are never retried (see BudgetLedger); both clients share the connections.
 */
export function ledgerFor(config: BudgetConfig): BudgetLedger {
  const timeouts = readStoreTimeouts(process.env); // the deployed ones unless the local runner set its own
  const cacheKey = JSON.stringify([config, process.env.AWS_REGION, process.env.AWS_ENDPOINT_URL_DYNAMODB, timeouts]);
  if (cached?.key !== cacheKey) {
    cached?.requestHandler.destroy();
    // The handler's defaults keep connections alive (one TLS handshake per execution environment).
    const requestHandler = new NodeHttpHandler(timeouts);
    const sdk = loadDynamoDb();
    const client = new sdk.DynamoDBClient({ maxAttempts: 2, requestHandler });
    const writeOnceClient = new sdk.DynamoDBClient({ maxAttempts: 1, requestHandler });
    cached = {
      key: cacheKey,
      requestHandler,
      ledger: new BudgetLedger(client, config.tableName, limitsOf(config), sdk, writeOnceClient),
    };
  }
  return cached.ledger;
}

function limitsOf(config: BudgetConfig): BudgetLimits {
  return Object.fromEntries(BUDGET_LIMITS.map(({ name }) => [name, config[name]])) as BudgetLimits;
}
