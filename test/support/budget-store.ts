// Stand-in until src/local/budget-store.ts lands: same API.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BudgetTableSchema as Schema } from '../../src/contract';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite');

export class BudgetStore {
  static async start(options: { port?: number; tableName?: string } = {}): Promise<BudgetStore> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const store = new BudgetStore(server, options.tableName ?? 'budget-ledger');
    await store.client.send(
      new CreateTableCommand({
        TableName: store.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: Schema.PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: Schema.SORT_KEY, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: Schema.PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: Schema.SORT_KEY, KeyType: 'RANGE' },
        ],
      }),
    );
    return store;
  }
  readonly url: string;
  readonly client: DynamoDBClient;
  private constructor(
    private readonly server: any,
    readonly tableName: string,
  ) {
    this.url = `http://127.0.0.1:${server.address().port}`;
    this.client = new DynamoDBClient({
      endpoint: this.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }
  async stop(): Promise<void> {
    this.client.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
