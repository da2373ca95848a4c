/**
 * `npx cdk-streaming-bedrock-api keys create|list|revoke|usage`: the operator's managed keys, with the operator's AWS
 * credentials (the default credential chain), against the API's key table in AWS or, with --endpoint-url, the local
 * runner's store. Only `create` prints a secret, once, on stdout; nothing else it prints or logs is secret.
 */
import { parseArgs } from 'util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createKey, keyUsage, listKeys, revokeKey, type KeyInfo } from './key-admin';
import { MANAGED_KEY_ID_PATTERN, isTokenLimit } from '../contract';

export const KEYS_USAGE = `Usage: cdk-streaming-bedrock-api keys <command> --table <name> [options]

Managed keys (ApiAuth.managedKeys()), with your AWS credentials (the default credential chain).

Commands:
  create --name <name> [--owner <text>] [--expires-in <n>d|<n>h] [--models <id>,<id>]
         [--tokens-per-day <n>] [--tokens-per-month <n>]
                         issue a key; prints its secret once, on stdout (store it now: only its hash is kept)
  list                   every key: id, name, owner, created, expires, revoked, models
  revoke <key id>        revoke a key (the API refuses it within its cacheTtl, 30 s by default)
  usage [--since YYYY-MM-DD]
                         tokens per key since that UTC day (default: the first of this month), from the budget table

Options:
  --table <name>         the key table (StreamingBedrockApi.keyTable's name)
  --budget-table <name>  the token budget table (StreamingBedrockApi.budgetTable's name): where create writes a
                         key's own limits and usage reads
  --region <region>      AWS region (default: AWS_REGION, else AWS_DEFAULT_REGION)
  --endpoint-url <url>   a DynamoDB-compatible endpoint, e.g. the local runner's store (its banner names it)
  -h, --help             show this help
`;

class KeysUsageError extends Error {}

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Runs one `keys` command; returns the exit code (2: usage error). */
export async function runKeys(argv: string[], io: Io): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof KeysUsageError) {
      io.err(`error: ${err.message}\n\n${KEYS_USAGE}`);
      return 2;
    }
    // The SDK's message names the failure (no such table, no credentials); it never holds a secret.
    io.err(`error: ${(err as Error).message}`);
    return 1;
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        table: { type: 'string' },
        'budget-table': { type: 'string' },
        region: { type: 'string' },
        'endpoint-url': { type: 'string' },
        name: { type: 'string' },
        owner: { type: 'string' },
        'expires-in': { type: 'string' },
        models: { type: 'string' },
        'tokens-per-day': { type: 'string' },
        'tokens-per-month': { type: 'string' },
        since: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new KeysUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(KEYS_USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  const client = () => clientFor(values.region, values['endpoint-url']);
  const keyTable = () => required(values.table, '--table');
  switch (command) {
    case 'create': {
      const name = required(values.name, '--name');
      const created = await createKey(
        client(),
        { keyTable: keyTable(), budgetTable: values['budget-table'] },
        {
          name,
          owner: values.owner,
          expiresAt: values['expires-in'] === undefined ? undefined : expiry(values['expires-in']),
          allowedModels: values.models
            ?.split(',')
            .map((id) => id.trim())
            .filter((id) => id !== ''),
          tokensPerDay: limit(values['tokens-per-day'], '--tokens-per-day'),
          tokensPerMonth: limit(values['tokens-per-month'], '--tokens-per-month'),
        },
      );
      io.err(`Created key ${created.keyId} for ${name}. The secret follows, shown once: store it now.`);
      io.out(created.secret);
      return 0;
    }
    case 'list':
      io.out(keyTableText(await listKeys(client(), keyTable())));
      return 0;
    case 'revoke': {
      const keyId = rest[0];
      if (rest.length !== 1 || !MANAGED_KEY_ID_PATTERN.test(keyId)) {
        throw new KeysUsageError('revoke takes one key id, e.g. keys revoke k_abcdefghijkl');
      }
      if (!(await revokeKey(client(), keyTable(), keyId))) {
        io.err(`error: no key ${keyId} in ${keyTable()}`);
        return 1;
      }
      io.out(`Revoked ${keyId}: the API refuses it within its key cache TTL (30 s by default).`);
      return 0;
    }
    case 'usage': {
      const since = values.since ?? new Date().toISOString().slice(0, 8) + '01';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(since)) {
        throw new KeysUsageError(`--since must be a UTC date YYYY-MM-DD, not ${JSON.stringify(since)}`);
      }
      const usage = await keyUsage(client(), required(values['budget-table'], '--budget-table'), since);
      io.out(columns([['key id', 'tokens'], ...usage.map((u) => [u.keyId, String(u.tokens)])]));
      return 0;
    }
    default:
      throw new KeysUsageError(command ? `unknown keys command ${JSON.stringify(command)}` : 'missing keys command');
  }
}

/**
 * The operator's client. A loopback endpoint is the runner's store, which checks that requests are signed, not by
 * whom: without credentials in the environment, fixed local ones are used there (never for AWS).
 */
function clientFor(region: string | undefined, endpoint: string | undefined): DynamoDBClient {
  const local = endpoint !== undefined && /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint);
  const noCredentials = !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  return new DynamoDBClient({
    region: region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (local ? 'us-east-1' : undefined),
    endpoint,
    ...(local && noCredentials && { credentials: { accessKeyId: 'AKIALOCALKEYSCLI0000', secretAccessKey: 'local' } }),
  });
}

function required(value: string | undefined, flag: string): string {
  if (!value) {
    throw new KeysUsageError(`${flag} is required`);
  }
  return value;
}

/** `90d` or `12h` from now. */
function expiry(raw: string): Date {
  const match = /^(\d{1,5})([dh])$/.exec(raw);
  if (!match || Number(match[1]) === 0) {
    throw new KeysUsageError(
      `--expires-in must be a number of days or hours, e.g. 90d or 12h, not ${JSON.stringify(raw)}`,
    );
  }
  const hours = Number(match[1]) * (match[2] === 'd' ? 24 : 1);
  return new Date(Date.now() + hours * 3_600_000);
}

function limit(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const value = Number(raw);
  if (raw.trim() === '' || !isTokenLimit(value)) {
    throw new KeysUsageError(`${flag} must be a whole number of tokens >= 0, not ${JSON.stringify(raw)}`);
  }
  return value;
}

function keyTableText(keys: KeyInfo[]): string {
  const rows = keys.map((key) => [
    key.keyId,
    key.name,
    key.owner ?? '-',
    key.createdAt,
    key.expiresAt ?? '-',
    key.revokedAt ?? '-',
    key.allowedModels?.join(',') ?? 'all',
  ]);
  return columns([['id', 'name', 'owner', 'created', 'expires', 'revoked', 'models'], ...rows]);
}

/** Rows as left-aligned columns separated by two spaces. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
