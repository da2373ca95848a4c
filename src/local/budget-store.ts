/**
 * The local token budget ledger: dynalite (a DynamoDB-compatible server, in memory) with the ledger table of the
 * contract, so the bundled handler's real DynamoDB client reserves and settles against it as it would in AWS.
 */
import type { Server } from 'http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BudgetTableSchema } from '../contract';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no types
const dynalite: (options: Record<string, unknown>) => Server = require('dynalite');

/** The ledger table's name in the local store. */
export const LOCAL_BUDGET_TABLE = 'budget-ledger';

/** Credentials the local store accepts (it checks that a request is signed, not by whom). */
const LOCAL_CREDENTIALS = { accessKeyId: 'AKIALOCALBUDGETSTORE', secretAccessKey: 'local-budget-store' };

export interface BudgetStoreOptions {
  /** Port to listen on (0, the default, picks a free one). */
  readonly port?: number;
  /** The ledger table's name. @default LOCAL_BUDGET_TABLE */
  readonly tableName?: string;
}

export class BudgetStore {
  /** Starts the server on 127.0.0.1 and creates the ledger table (pk/sk strings, on demand). */
  public static async start(options: BudgetStoreOptions = {}): Promise<BudgetStore> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const store = new BudgetStore(server, options.tableName ?? LOCAL_BUDGET_TABLE);
    await store.client.send(
      new CreateTableCommand({
        TableName: store.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: BudgetTableSchema.PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: BudgetTableSchema.SORT_KEY, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: BudgetTableSchema.PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: BudgetTableSchema.SORT_KEY, KeyType: 'RANGE' },
        ],
      }),
    );
    return store;
  }

  /** The endpoint, for `AWS_ENDPOINT_URL_DYNAMODB`. */
  public readonly url: string;
  /** A client of the store, for reading or seeding the ledger. */
  public readonly client: DynamoDBClient;

  private constructor(
    private readonly server: Server,
    public readonly tableName: string,
  ) {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.url = `http://127.0.0.1:${port}`;
    this.client = new DynamoDBClient({ endpoint: this.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  }

  /** Stops the server: the ledger is gone (it lives in memory). */
  public async stop(): Promise<void> {
    this.client.destroy();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
