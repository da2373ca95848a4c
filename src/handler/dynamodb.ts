/**
 * The DynamoDB client pieces of the budget ledger, required only when a budgeted request needs them: a function
 * without budgets never runs the client's module code (cold start). esbuild keeps them in the one bundle, wrapped to
 * run on demand. Each comes from its own module of the client's ES build, not from the package's index: a module
 * required on demand is kept whole, and the index re-exports every command and schema (about 57 KB more).
 */
import type * as DynamoDb from '@aws-sdk/client-dynamodb';

/** What the ledger sends with. */
export type LedgerSdk = Pick<typeof DynamoDb, 'GetItemCommand' | 'UpdateItemCommand'>;

export function loadDynamoDb(): LedgerSdk & Pick<typeof DynamoDb, 'DynamoDBClient'> {
  /* eslint-disable @typescript-eslint/no-require-imports -- on demand, see above */
  return {
    DynamoDBClient: require('@aws-sdk/client-dynamodb/dist-es/DynamoDBClient.js').DynamoDBClient,
    GetItemCommand: require('@aws-sdk/client-dynamodb/dist-es/commands/GetItemCommand.js').GetItemCommand,
    UpdateItemCommand: require('@aws-sdk/client-dynamodb/dist-es/commands/UpdateItemCommand.js').UpdateItemCommand,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}
