/**
 * The token budget ledger in DynamoDB (layout: contract/budget.ts). A reservation adds a request's worst case to the
 * caller's period items with one conditional update per limited period, so concurrent requests can never together
 * pass a limit by more than nothing: each update checks the total it produces. Settling adds the difference between
 * what was reserved and what the model really used.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  BUDGET_LIMITS_SORT_KEY,
  BUDGET_TTL_MARGIN_SECONDS,
  BudgetAttributes as Attr,
  BudgetTableSchema as Schema,
  budgetPartitionKey,
  budgetPeriodEnd,
  budgetSortKey,
  isTokenLimit,
  readStoreTimeouts,
  type BudgetLimits,
  type BudgetPeriod,
} from '../contract';
import type { Caller } from './caller';
import type { BudgetConfig } from './config';
import { loadDynamoDb, type LedgerSdk } from './dynamodb';

/** Tokens added to a caller's period items, to be settled once the model has answered. */
export interface Reservation {
  readonly tokens: number;
  /** The sort keys of the period items the tokens were added to (none when no period limits the caller). */
  readonly sortKeys: readonly string[];
  /** Tokens left in the caller's tightest period after this reservation; undefined when nothing limits the caller. */
  readonly remaining?: number;
}

/** The reservation does not fit in the caller's budget for `period`; nothing stays reserved. */
export class BudgetExceededError extends Error {
  constructor(
    readonly period: BudgetPeriod,
    readonly resetsAt: Date,
  ) {
    super(`token budget for the ${period} exceeded`);
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

/** A caller's `limits` item holds a limit that is not a whole number of tokens >= 0 (a string, say). */
export class InvalidLimitsItemError extends Error {
  constructor(readonly attribute: string) {
    super(`the caller's limits item has an invalid ${attribute}`);
    this.name = 'InvalidLimitsItemError';
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
  if (err instanceof InvalidLimitsItemError) {
    return true;
  }
  const { name, $metadata } = (err ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && !THROTTLING_ERRORS.has(name ?? '');
}

const PERIODS: readonly BudgetPeriod[] = ['day', 'month'];

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
   * Reserves `tokens` in every limited period of the caller, or throws having reserved none: BudgetExceededError
   * naming the refusing period that resets last (retrying earlier is pointless), or BudgetLedgerUnavailableError.
   * The periods are updated at once, so a day and a month limit cost one round trip, not two.
   */
  async reserve(caller: Caller, tokens: number, now = new Date()): Promise<Reservation> {
    const pk = budgetPartitionKey(caller);
    const limits = await this.guard(() => this.limitsOf(pk));
    const limited = PERIODS.flatMap((period) => {
      const limit = period === 'day' ? limits.tokensPerDay : limits.tokensPerMonth;
      return limit === undefined ? [] : [{ period, limit, sk: budgetSortKey(period, now) }];
    });
    const outcomes = await Promise.allSettled(
      limited.map(({ period, limit, sk }) => this.addWithin(pk, sk, tokens, limit, expiresAt(period, now))),
    );
    // The new total per period; undefined where the tokens did not fit or the update failed.
    const totals = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : undefined));
    const added = limited.filter((_, i) => totals[i] !== undefined);
    if (added.length < limited.length) {
      await this.release(
        pk,
        added.map((p) => p.sk),
        tokens,
      );
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failure) {
        throw new BudgetLedgerUnavailableError(failure.reason);
      }
      const last = limited.filter((_, i) => totals[i] === undefined).pop()!.period; // PERIODS: shortest first
      throw new BudgetExceededError(last, budgetPeriodEnd(last, now));
    }
    const remaining = limited.length ? Math.min(...limited.map((p, i) => p.limit - totals[i]!)) : undefined;
    return { tokens, sortKeys: limited.map((p) => p.sk), remaining };
  }

  /** Replaces the reservation by what the model really used (`chargedTokens`); `signal` gives up on the ledger. */
  async settle(caller: Caller, reservation: Reservation, chargedTokens: number, signal?: AbortSignal): Promise<void> {
    const difference = chargedTokens - reservation.tokens;
    if (difference === 0) {
      return;
    }
    const pk = budgetPartitionKey(caller);
    await this.guard(() => Promise.all(reservation.sortKeys.map((sk) => this.add(pk, sk, difference, signal))));
  }

  /**
   * The API's limits, replaced per period by the caller's `limits` item where it names one. A limit the item names
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
    return {
      tokensPerDay: limitOf(Item, Attr.TOKENS_PER_DAY) ?? this.defaults.tokensPerDay,
      tokensPerMonth: limitOf(Item, Attr.TOKENS_PER_MONTH) ?? this.defaults.tokensPerMonth,
    };
  }

  /** Adds `tokens` unless the total would pass `limit`: the new total, or undefined when the tokens do not fit. */
  private async addWithin(
    pk: string,
    sk: string,
    tokens: number,
    limit: number,
    expires: number,
  ): Promise<number | undefined> {
    if (tokens > limit) {
      return undefined; // the condition below would let the first reservation of a period through
    }
    try {
      const { Attributes } = await this.client.send(
        new this.sdk.UpdateItemCommand({
          TableName: this.tableName,
          Key: key(pk, sk),
          UpdateExpression: 'ADD #used :tokens SET #expires = if_not_exists(#expires, :expires)',
          ConditionExpression: 'attribute_not_exists(#used) OR #used <= :most',
          ExpressionAttributeNames: { '#used': Attr.USED_TOKENS, '#expires': Schema.TIME_TO_LIVE_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':tokens': { N: String(tokens) },
            ':expires': { N: String(expires) },
            ':most': { N: String(limit - tokens) },
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return numberOf(Attributes?.[Attr.USED_TOKENS]) ?? tokens;
    } catch (err) {
      // By name: the exception's module is not loaded on its own (dynamodb.ts keeps the on-demand part small).
      if ((err as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException') {
        return undefined;
      }
      throw err;
    }
  }

  /** Takes a refused reservation back out of the periods it was already added to (best effort). */
  private async release(pk: string, sortKeys: readonly string[], tokens: number): Promise<void> {
    await Promise.allSettled(sortKeys.map((sk) => this.add(pk, sk, -tokens)));
  }

  private async add(pk: string, sk: string, tokens: number, abortSignal?: AbortSignal): Promise<void> {
    await this.writeOnceClient.send(
      new this.sdk.UpdateItemCommand({
        TableName: this.tableName,
        Key: key(pk, sk),
        UpdateExpression: 'ADD #used :tokens',
        ExpressionAttributeNames: { '#used': Attr.USED_TOKENS },
        ExpressionAttributeValues: { ':tokens': { N: String(tokens) } },
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

function key(pk: string, sk: string): Record<string, AttributeValue> {
  return { [Schema.PARTITION_KEY]: { S: pk }, [Schema.SORT_KEY]: { S: sk } };
}

/** A limit of a `limits` item: undefined when the item does not name it. */
function limitOf(item: Record<string, AttributeValue> | undefined, attribute: string): number | undefined {
  const value = item?.[attribute];
  if (value === undefined) {
    return undefined;
  }
  const limit = numberOf(value);
  if (!isTokenLimit(limit)) {
    throw new InvalidLimitsItemError(attribute);
  }
  return limit;
}

function numberOf(value: AttributeValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}

/** The TTL of a period item: the end of its period plus the margin, in epoch seconds. */
function expiresAt(period: BudgetPeriod, now: Date): number {
  return Math.floor(budgetPeriodEnd(period, now).getTime() / 1000) + BUDGET_TTL_MARGIN_SECONDS;
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
  return { tokensPerDay: config.tokensPerDay, tokensPerMonth: config.tokensPerMonth };
}
