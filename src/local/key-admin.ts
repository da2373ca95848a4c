/**
 * What an operator does with managed keys (contract/keys.ts), with the operator's DynamoDB client: create the key
 * table (the runner's store), create, list and revoke keys (their usage: key-usage.ts). The
 * `keys` CLI, the runner's --create-key and the tests share it. The secret exists only in what `createKey` returns.
 */
import { randomBytes } from 'crypto';
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  BUDGET_LIMITS_SORT_KEY,
  BudgetTableSchema,
  KeyAttributes as Attr,
  KeyTableSchema,
  MANAGED_KEY_PREFIX,
  budgetPartitionKey,
  keyIdPartitionKey,
  keyItemPartitionKey,
  managedKeyHash,
  type BudgetLimits,
} from '../contract';

export interface NewKey {
  readonly name: string;
  readonly owner?: string;
  readonly expiresAt?: Date;
  /** Bedrock model ids the key may use; undefined: every model of the API. */
  readonly allowedModels?: readonly string[];
  /** The key's own limits, written into the budget ledger's limits item of the key's caller. */
  readonly limits?: BudgetLimits;
}

/** A key as `keys list` shows it: never its secret, never its hash. */
export interface KeyInfo {
  readonly keyId: string;
  readonly name: string;
  readonly owner?: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly allowedModels?: readonly string[];
}

/** Creates the key table of the contract (a `pk` string, on demand), as the construct does. */
export async function createKeyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: KeyTableSchema.PARTITION_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: KeyTableSchema.PARTITION_KEY, KeyType: 'HASH' }],
    }),
  );
}

/** `sbk_` and 32 random bytes in base64url (43 characters). */
export function newSecret(): string {
  return MANAGED_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** `k_` and 12 base32 characters of 60 random bits: short enough to read in a log line, not secret. */
export function newKeyId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return 'k_' + [...randomBytes(12)].map((byte) => alphabet[byte % 32]).join('');
}

/**
 * Writes the key's id item and key item (neither may exist already), then the key's own limits into the budget
 * ledger's table when given. Returns the secret: the caller shows it once.
 */
export async function createKey(
  client: DynamoDBClient,
  tables: { readonly keyTable: string; readonly budgetTable?: string },
  key: NewKey,
  now: Date = new Date(),
): Promise<{ readonly secret: string; readonly keyId: string }> {
  const secret = newSecret();
  const keyId = newKeyId();
  const keyHash = managedKeyHash(secret);
  const item: Record<string, AttributeValue> = {
    [KeyTableSchema.PARTITION_KEY]: { S: keyItemPartitionKey(keyHash) },
    [Attr.KEY_ID]: { S: keyId },
    [Attr.NAME]: { S: key.name },
    [Attr.CREATED_AT]: { S: now.toISOString() },
  };
  if (key.owner) item[Attr.OWNER] = { S: key.owner };
  if (key.expiresAt) item[Attr.EXPIRES_AT] = { S: key.expiresAt.toISOString() };
  if (key.allowedModels) item[Attr.ALLOWED_MODELS] = { L: key.allowedModels.map((id) => ({ S: id })) };
  const notThere = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } };
  const limits = limitsItem(keyId, key);
  if (limits && !tables.budgetTable) {
    throw new Error(
      "a key's own limits (--tokens-per-day, --spend-per-day, ...) need --budget-table: they live in the budget ledger",
    );
  }
  // Two conditional puts, not a transaction (the local store has none): the id item first, so that a key item
  // never exists without the id item `keys revoke` needs; an id item left alone by a failure names no key.
  const idItem = { pk: { S: keyIdPartitionKey(keyId) }, [Attr.KEY_HASH]: { S: keyHash } };
  await client.send(new PutItemCommand({ TableName: tables.keyTable, Item: idItem, ...notThere }));
  await client.send(new PutItemCommand({ TableName: tables.keyTable, Item: item, ...notThere }));
  if (limits && tables.budgetTable) {
    await client.send(new PutItemCommand({ TableName: tables.budgetTable, Item: limits }));
  }
  return { secret, keyId };
}

function limitsItem(keyId: string, key: NewKey): Record<string, AttributeValue> | undefined {
  // The limits item names each limit as BudgetLimits does (contract/budget.ts).
  const entries = Object.entries(key.limits ?? {}).filter((entry): entry is [string, number] => entry[1] !== undefined);
  if (entries.length === 0) {
    return undefined;
  }
  return {
    [BudgetTableSchema.PARTITION_KEY]: { S: budgetPartitionKey({ type: 'managedKey', id: keyId }) },
    [BudgetTableSchema.SORT_KEY]: { S: BUDGET_LIMITS_SORT_KEY },
    ...Object.fromEntries(entries.map(([name, value]) => [name, { N: String(value) }])),
  };
}

/** Every key, oldest first: a Scan, with the operator's credentials (the handler never scans). */
export async function listKeys(client: DynamoDBClient, keyTable: string): Promise<KeyInfo[]> {
  const keys: KeyInfo[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: keyTable,
        FilterExpression: 'begins_with(#pk, :key)',
        ExpressionAttributeNames: { '#pk': KeyTableSchema.PARTITION_KEY },
        ExpressionAttributeValues: { ':key': { S: keyItemPartitionKey('') } },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      keys.push({
        keyId: item[Attr.KEY_ID]?.S ?? '',
        name: item[Attr.NAME]?.S ?? '',
        owner: item[Attr.OWNER]?.S,
        createdAt: item[Attr.CREATED_AT]?.S ?? '',
        expiresAt: item[Attr.EXPIRES_AT]?.S,
        revokedAt: item[Attr.REVOKED_AT]?.S,
        allowedModels: item[Attr.ALLOWED_MODELS]?.L?.map((model) => model.S ?? ''),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Marks the key revoked (kept, for the record); false when no key has that id. */
export async function revokeKey(
  client: DynamoDBClient,
  keyTable: string,
  keyId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: keyTable,
      Key: { pk: { S: keyIdPartitionKey(keyId) } },
      ConsistentRead: true,
    }),
  );
  const keyHash = Item?.[Attr.KEY_HASH]?.S;
  if (!keyHash) {
    return false;
  }
  await client.send(
    new UpdateItemCommand({
      TableName: keyTable,
      Key: { pk: { S: keyItemPartitionKey(keyHash) } },
      // The first revocation's time is kept; the item must exist (never create a bare one).
      UpdateExpression: 'SET #revoked = if_not_exists(#revoked, :now)',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: { '#revoked': Attr.REVOKED_AT, '#pk': KeyTableSchema.PARTITION_KEY },
      ExpressionAttributeValues: { ':now': { S: now.toISOString() } },
    }),
  );
  return true;
}
