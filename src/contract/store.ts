/**
 * The timeouts of the default handler's DynamoDB clients (the budget ledger, the key table). Deployed, the defaults:
 * a slow table fails fast into the 503 rather than eating the answer's time. The local runner sets longer ones for its
 * embedded store, because there every concurrent request shares one process (one pool of connections, one thread),
 * which Lambda gives each request alone: waiting for the runner is not a slow table. The construct never sets them.
 */
import { positiveInteger } from './settings';

/** Names of the environment variables (set by the local runner only). */
export const StoreEnvironment = {
  /** Milliseconds to get a connection to the table (including, in the runner, waiting for a free one). */
  CONNECTION_TIMEOUT_MS: 'SBA_STORE_CONNECTION_TIMEOUT_MS',
  /** Milliseconds for the table's answer. */
  REQUEST_TIMEOUT_MS: 'SBA_STORE_REQUEST_TIMEOUT_MS',
} as const;

/** The deployed timeouts. */
export const StoreTimeoutDefaults = { CONNECTION_TIMEOUT_MS: 1000, REQUEST_TIMEOUT_MS: 2000 } as const;

/** In the shape of the SDK's NodeHttpHandler options. */
export interface StoreTimeouts {
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
  /**
   * Always true: without it, @smithy/node-http-handler 4.x only logs a warning when `requestTimeout` passes and lets
   * the request wait on, so a slow table would hold the answer instead of failing fast.
   */
  readonly throwOnRequestTimeout: true;
}

/** The timeouts the environment sets, else the deployed ones; throws SettingsError on a value that is not one. */
export function readStoreTimeouts(env: Readonly<Record<string, string | undefined>>): StoreTimeouts {
  const read = (name: string, fallback: number) => positiveInteger(env, name) ?? fallback;
  return {
    connectionTimeout: read(StoreEnvironment.CONNECTION_TIMEOUT_MS, StoreTimeoutDefaults.CONNECTION_TIMEOUT_MS),
    requestTimeout: read(StoreEnvironment.REQUEST_TIMEOUT_MS, StoreTimeoutDefaults.REQUEST_TIMEOUT_MS),
    throwOnRequestTimeout: true,
  };
}
