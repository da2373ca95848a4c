/**
 * The local token budget ledger: dynalite (a DynamoDB-compatible server, in memory) with the ledger table of the
 * contract, so the bundled handler's real DynamoDB client reserves and settles against it as it would in AWS. The
 * server runs in a worker thread (budget-store-server.ts), so that it keeps answering within the ledger's deployed
 * timeouts while the runner's own thread serves a burst of requests.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StoreWorkerData, StoreWorkerMessage } from './budget-store-server';
import { BudgetTableSchema, StoreEnvironment } from '../contract';

/** The ledger table's name in the local store. */
export const LOCAL_BUDGET_TABLE = 'budget-ledger';

/**
 * The handler's timeouts for this store (contract/store.ts): long enough for a request to wait for the runner, whose
 * one process and 50 connections serve every concurrent request, where Lambda gives each request its own.
 */
const LOCAL_STORE_TIMEOUT_MS = 10_000;

/** Credentials the local store accepts (it checks that a request is signed, not by whom). */
const LOCAL_CREDENTIALS = { accessKeyId: 'AKIALOCALBUDGETSTORE', secretAccessKey: 'local-budget-store' };

export interface BudgetStoreOptions {
  /** Port to listen on (0, the default, picks a free one). */
  readonly port?: number;
  /** The ledger table's name. @default LOCAL_BUDGET_TABLE */
  readonly tableName?: string;
}

export class BudgetStore {
  /** Starts the server on 127.0.0.1 in its worker thread and creates the ledger table (pk/sk strings, on demand). */
  public static async start(options: BudgetStoreOptions = {}): Promise<BudgetStore> {
    const workerData: StoreWorkerData = { port: options.port ?? 0 };
    const worker = new Worker(serverScript(), { workerData });
    const port = await listening(worker);
    const store = new BudgetStore(worker, port, options.tableName ?? LOCAL_BUDGET_TABLE);
    try {
      await createLedgerTable(store.client, store.tableName);
    } catch (err) {
      await store.stop();
      throw err;
    }
    return store;
  }

  /** The endpoint, for `AWS_ENDPOINT_URL_DYNAMODB`. */
  public readonly url: string;
  /** A client of the store, for reading or seeding the ledger. */
  public readonly client: DynamoDBClient;

  private constructor(
    private readonly worker: Worker,
    port: number,
    public readonly tableName: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.client = new DynamoDBClient({ endpoint: this.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  }

  /** The environment that points the handler's DynamoDB clients at this store, with timeouts that fit it. */
  public handlerEnvironment(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_DYNAMODB: this.url,
      [StoreEnvironment.CONNECTION_TIMEOUT_MS]: String(LOCAL_STORE_TIMEOUT_MS),
      [StoreEnvironment.REQUEST_TIMEOUT_MS]: String(LOCAL_STORE_TIMEOUT_MS),
    };
  }

  /**
   * Stops the server by ending its thread, which closes its port and connections: the ledger is gone (it lives in
   * memory). Were the runner to exit without calling this, the thread would end with it: it cannot outlive the runner.
   */
  public async stop(): Promise<void> {
    this.client.destroy();
    await this.worker.terminate();
  }
}

/** The worker's file: in the bundle that holds this code, the bundle's own output beside this file. */
const SERVER_SCRIPT = 'budget-store-server.js';

/**
 * The worker's script: beside this code in the bundled runner (assets/local/cli/); from the TypeScript sources
 * (tests), the bundle's copy, since a worker thread runs JavaScript only.
 */
function serverScript(): string {
  const beside = path.join(__dirname, SERVER_SCRIPT);
  const bundled = path.join(__dirname, '..', '..', 'assets', 'local', 'cli', SERVER_SCRIPT);
  const found = [beside, bundled].find((file) => fs.existsSync(file));
  if (found === undefined) {
    throw new Error(`${bundled} is missing: run 'npx projen bundle' first`);
  }
  return found;
}

/** The port the worker listens on; rejects (and ends the thread) when it cannot listen or dies first. */
function listening(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      outcome();
    };
    const fail = (err: Error) => settle(() => void worker.terminate().then(() => reject(err)));
    const onMessage = (message: StoreWorkerMessage) => {
      if ('listening' in message) {
        settle(() => resolve(message.listening));
      } else {
        fail(Object.assign(new Error(message.failed.message), { code: message.failed.code }));
      }
    };
    const onError = (err: Error) => fail(err);
    const onExit = (code: number) =>
      fail(new Error(`the budget store's worker exited with code ${code} before listening`));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

async function createLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
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
}
