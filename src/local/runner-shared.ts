/**
 * What both of the runner's modes share: the fake model, the embedded store's keys, the handler's log, the banner's
 * words, the demo request.
 */
import type { BudgetLimits } from '../contract';
import type { BudgetStore } from './budget-store';
import { FakeBedrock } from './fake-bedrock';
import { fakeModelScript, type FakeFault, type FakeTurn } from './fake-model';
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

/** The fake model's flags (the default handler's model, or the example agent's). */
export interface FakeModelFlags {
  readonly tokensPerSecond: number;
  readonly answerTokens: number;
  readonly firstTokenMs: number;
  readonly fault: FakeFault;
  /** Models the fake throttles (--throttle-model, repeatable). */
  readonly throttleModelIds: readonly string[];
  /** Scripted answers of the fake model (--script). */
  readonly script?: readonly FakeTurn[];
}

/** The fake credentials an SDK pointed at the fake model signs with (never real ones, which it would not need). */
export const FAKE_MODEL_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIALOCALFAKEMODEL00',
  AWS_SECRET_ACCESS_KEY: 'local-fake-model',
};

/**
 * Starts the fake model with its flags. Shows when an abort reaches the model: generation (and, on Bedrock, billing)
 * stops. With `streamsEnded` (the default handler's --verbose), when the model sent its last frame too, to compare
 * with when the client got its first.
 */
export function startFakeModel(
  flags: FakeModelFlags,
  out: (line: string) => void,
  streamsEnded = false,
): Promise<FakeBedrock> {
  const script = fakeModelScript({
    tokensPerSecond: flags.tokensPerSecond,
    answerTokens: flags.answerTokens,
    firstTokenMs: flags.firstTokenMs,
    fault: flags.fault,
    throttleModelIds: flags.throttleModelIds,
    script: flags.script,
  });
  return new FakeBedrock(script, {
    streamEnded: (request, end) => {
      if (end.cancelled) {
        out(`fake model: stream for ${request.modelId} cancelled by its client after ${end.sentFrames} frames`);
      } else if (streamsEnded) {
        out(`${clock()} fake model: stream for ${request.modelId} ended after ${end.sentFrames} frames`);
      }
    },
  }).start();
}

/**
 * The demo: POSTs `body` as JSON to `endpoint`, says the response's status line in `describe`'s words and prints the
 * raw stream as it arrives; a failed request is said, not thrown.
 */
export async function demoRequest(
  endpoint: string,
  body: unknown,
  describe: (response: Response) => string,
  out: (line: string) => void,
): Promise<void> {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    out(describe(response));
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      process.stdout.write(decoder.decode(chunk, { stream: true }));
    }
  } catch (err) {
    out(`Demo request failed: ${(err as Error).message}`);
  }
  out('Demo finished; the API keeps serving. Press Ctrl-C to stop.');
}
