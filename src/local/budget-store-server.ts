/**
 * The runner's DynamoDB-compatible store (dynalite, in memory) as a worker thread's entry point, started by BudgetStore.
 * In its own thread the store answers while the runner's thread is busy with the handler, the fake model and the
 * front: in the runner's thread, a burst of requests kept its answers waiting past the ledger's deployed timeouts.
 * Bundled on its own (assets/local/cli/budget-store-server.js): a worker thread loads its code from a file.
 */
import type { AddressInfo, Server } from 'net';
import { parentPort, workerData } from 'worker_threads';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no types
const dynalite: (options: Record<string, unknown>) => Server = require('dynalite');

/** What BudgetStore passes to the worker. */
export interface StoreWorkerData {
  /** Port to listen on, on 127.0.0.1 (0 picks a free one). */
  readonly port: number;
}

/** The worker's one message: the port it listens on, or why it could not listen. */
export type StoreWorkerMessage =
  { readonly listening: number } | { readonly failed: { readonly message: string; readonly code?: string } };

function listen(port: number, report: (message: StoreWorkerMessage) => void): void {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.once('error', (err: NodeJS.ErrnoException) => report({ failed: { message: err.message, code: err.code } }));
  server.listen(port, '127.0.0.1', () => report({ listening: (server.address() as AddressInfo).port }));
}

// Only as a worker: the server lives until BudgetStore terminates the thread (the ledger is in memory, nothing to save).
if (parentPort) {
  const port = parentPort;
  listen((workerData as StoreWorkerData).port, (message) => port.postMessage(message));
}
