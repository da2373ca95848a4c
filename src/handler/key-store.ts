/**
 * The managed key table's reader (layout: contract/keys.ts): one consistent GetItem by the key's hash. A file of its
 * own in the handler asset (`key-store.js`), loaded by the first request of a function with managed keys, so that a
 * function without them never parses the DynamoDB client.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { KeyAttributes as Attr, KeyTableSchema, keyItemPartitionKey, readStoreTimeouts } from '../contract';
import { loadDynamoDb, type LedgerSdk } from './dynamodb';

/** What the handler needs of a key's item; everything else in it (name, owner) is the CLI's. */
export interface StoredKey {
  readonly keyId: string;
  /** Epoch milliseconds; undefined: the key does not expire. */
  readonly expiresAt?: number;
  readonly revoked: boolean;
  /** Bedrock model ids the key may use; undefined: every model of the API. */
  readonly allowedModels?: readonly string[];
}

export class KeyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly sdk: Pick<LedgerSdk, 'GetItemCommand'>,
  ) {}

  /**
   * The key whose SHA-256 is `keyHash`, or undefined when the table holds none (or an item the CLI never writes).
   * Consistent, so that a key created a moment ago works at once (a miss would be cached as one).
   */
  async find(keyHash: string): Promise<StoredKey | undefined> {
    const { Item } = await this.client.send(
      new this.sdk.GetItemCommand({
        TableName: this.tableName,
        Key: { [KeyTableSchema.PARTITION_KEY]: { S: keyItemPartitionKey(keyHash) } },
        ConsistentRead: true,
        ProjectionExpression: '#id, #expires, #revoked, #models',
        ExpressionAttributeNames: {
          '#id': Attr.KEY_ID,
          '#expires': Attr.EXPIRES_AT,
          '#revoked': Attr.REVOKED_AT,
          '#models': Attr.ALLOWED_MODELS,
        },
      }),
    );
    const keyId = Item?.[Attr.KEY_ID]?.S;
    if (!Item || !keyId) {
      return undefined;
    }
    const expires = Item[Attr.EXPIRES_AT]?.S;
    const models = Item[Attr.ALLOWED_MODELS]?.L;
    return {
      keyId,
      // An expiry that does not parse is in the past: a key is refused rather than kept forever by a typo.
      expiresAt: expires === undefined ? undefined : Date.parse(expires) || 0,
      revoked: Item[Attr.REVOKED_AT] !== undefined,
      allowedModels: models?.map((model) => model.S).filter((id): id is string => typeof id === 'string'),
    };
  }
}

let store: { tableName: string; store: KeyStore } | undefined;

/** One store (and keep-alive connections) per execution environment; short timeouts (contract/store.ts), one retry. */
export function keyStoreFor(tableName: string): KeyStore {
  if (store?.tableName !== tableName) {
    const sdk = loadDynamoDb();
    const requestHandler = new NodeHttpHandler(readStoreTimeouts(process.env));
    const client = new sdk.DynamoDBClient({ maxAttempts: 2, requestHandler });
    store = { tableName, store: new KeyStore(client, tableName, sdk) };
  }
  return store.store;
}
