/** What both of the runner's modes share: the embedded store's keys, the handler's log, the banner's words. */
import type { BudgetLimits } from '../contract';
import type { BudgetStore } from './budget-store';
import { createKey, createKeyTable } from './key-admin';

/** The key table's name in the runner's store. */
export const LOCAL_KEY_TABLE = 'managed-keys';

/** The key table in the runner's store, and the keys --create-key asked for. */
export async function startKeys(store: BudgetStore, names: readonly string[]) {
  const tableName = LOCAL_KEY_TABLE;
  await createKeyTable(store.client, tableName);
  const created = [];
  for (const name of names) {
    const { secret } = await createKey(store.client, { keyTable: tableName, budgetTable: store.tableName }, { name });
    created.push({ name, secret });
  }
  return { tableName, created };
}

/** A port that cannot be had says which flag picks another. */
export function listenError(err: NodeJS.ErrnoException, options: { host: string; port: number }): Error {
  const where = `${options.host}:${options.port}`;
  if (err.code === 'EADDRINUSE') {
    return new Error(`${where} is already in use: choose another port with --port <n> (--port 0 picks a free one)`);
  }
  if (err.code === 'EACCES') {
    return new Error(`${where} needs privileges this user lacks: choose a port above 1023 with --port <n>`);
  }
  return err;
}

/**
 * The handler writes one JSON record per request to stdout; the runner shows a short line instead (or the record
 * too, with --verbose), joined to the request by its id.
 */
export function interceptHandlerLog(verbose: boolean) {
  const byRequestId = new Map<string, Record<string, any>>();
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: any[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{"level":') && text.includes('"message":"request completed"')) {
      try {
        const record = JSON.parse(text);
        byRequestId.set(record.requestId, record);
        if (!verbose) {
          return true;
        }
      } catch {
        // not a record after all: print it
      }
    }
    return write(chunk as any, ...rest);
  }) as typeof process.stdout.write;
  return {
    take: (id: string) => {
      const record = byRequestId.get(id);
      byRequestId.delete(id);
      return record;
    },
    restore: () => {
      process.stdout.write = write;
    },
  };
}

/** The banner's words for the budget's limits. */
export function limitsText(limits: BudgetLimits): string {
  const words: Record<keyof BudgetLimits, (n: number) => string> = {
    requestsPerMinute: (n) => `${n} requests per minute`,
    tokensPerMinute: (n) => `${n} tokens per minute`,
    tokensPerDay: (n) => `${n} tokens per UTC day`,
    tokensPerMonth: (n) => `${n} tokens per UTC month`,
    spendPerDay: (n) => `$${n} per UTC day`,
    spendPerMonth: (n) => `$${n} per UTC month`,
  };
  return (Object.keys(limits) as Array<keyof BudgetLimits>).map((name) => words[name](limits[name]!)).join(', ');
}

/** The time of day, to the millisecond, that starts the runner's per-request lines. */
export function clock(): string {
  return new Date().toISOString().slice(11, 23);
}
