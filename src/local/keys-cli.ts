/**
 * `npx cdk-streaming-bedrock-api keys create|list|revoke|usage`: the operator's managed keys, with the operator's AWS
 * credentials (the default credential chain), against the API's key table in AWS or, with --endpoint-url, the local
 * runner's store. Only `create` prints a secret, once, on stdout; nothing else it prints or logs is secret.
 */
import { parseArgs } from 'util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createKey, listKeys, revokeKey, type KeyInfo } from './key-admin';
import { keyUsage, totalUsage, usdJson, usdText, type KeyUsage, type UsageRange } from './key-usage';
import { stackTables } from './stack-tables';
import {
  BUDGET_LIMITS,
  MANAGED_KEY_ID_PATTERN,
  budgetLimitCounter,
  MANAGED_KEY_PREFIX,
  isBudgetLimit,
  type BudgetLimits,
} from '../contract';

export const KEYS_USAGE = `Usage: cdk-streaming-bedrock-api keys <command> (--stack <name> | --table <name>) [options]

Managed keys (ApiAuth.managedKeys()), with your AWS credentials (the default credential chain).

Commands:
  create --name <name> [--owner <text>] [--expires-in <n>d|<n>h] [--models <id>,<id>]
         [--requests-per-minute <n>] [--tokens-per-minute <n>] [--tokens-per-day <n>]
         [--tokens-per-month <n>] [--spend-per-day <usd>] [--spend-per-month <usd>]
                         issue a key; prints its secret once, on stdout (store it now: only its hash is kept);
                         the limits replace the API's tokenBudget limits for this key (spend needs pricing)
  list                   every key: id, name, owner, created, expires, revoked, models
  revoke <key id>        revoke a key (the API refuses it within its cacheTtl, 30 s by default)
  usage [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--json]
                         requests, tokens and USD per key over those UTC days (default: from the first of this
                         month), the biggest spender first, from the budget table's day items

Options:
  --stack <name>         the CloudFormation stack of the API: finds its key table and budget table (one API with
                         managed keys per stack; otherwise name the tables)
  --table <name>         the key table (StreamingBedrockApi.keyTable's name)
  --budget-table <name>  the token budget table (StreamingBedrockApi.budgetTable's name): where create writes a
                         key's own limits and usage reads
  --region <region>      AWS region (default: AWS_REGION, else AWS_DEFAULT_REGION)
  --endpoint-url <url>   a DynamoDB-compatible endpoint, e.g. the local runner's store (its banner names it)
  --json                 usage as JSON, for scripts
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
      io.err(`error: ${redactSecrets(err.message)}\n\n${KEYS_USAGE}`);
      return 2;
    }
    // The SDK's message names the failure (no such table, no credentials); what it echoes of the command line (a
    // table name) is redacted in case a secret was pasted there.
    io.err(`error: ${redactSecrets((err as Error).message)}`);
    return 1;
  }
}

/** A managed key anywhere in a message becomes its prefix: an error never repeats a secret typed by mistake. */
export function redactSecrets(text: string): string {
  return text.replace(new RegExp(`${MANAGED_KEY_PREFIX}[A-Za-z0-9_-]+`, 'g'), `${MANAGED_KEY_PREFIX}<redacted>`);
}

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: 'string' },
        table: { type: 'string' },
        'budget-table': { type: 'string' },
        region: { type: 'string' },
        'endpoint-url': { type: 'string' },
        name: { type: 'string' },
        owner: { type: 'string' },
        'expires-in': { type: 'string' },
        models: { type: 'string' },
        ...Object.fromEntries(LIMIT_FLAGS.map(([flag]) => [flag, { type: 'string' as const }])),
        since: { type: 'string' },
        until: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new KeysUsageError((err as Error).message);
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.out(KEYS_USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  const client = () => clientFor(values.region, values['endpoint-url']);
  switch (command) {
    case 'create':
      return create(values, client, io);
    case 'list':
      io.out(keyTableText(await listKeys(client(), keyTableOf(await tables(values)))));
      return 0;
    case 'revoke':
      return revoke(values, rest, client, io);
    case 'usage':
      return reportUsage(values, client, io);
    default:
      throw new KeysUsageError(command ? `unknown keys command ${JSON.stringify(command)}` : 'missing keys command');
  }
}

/** The tables a command works on: named by --table/--budget-table, or found in the stack --stack names. */
interface Tables {
  readonly keyTable?: string;
  readonly budgetTable?: string;
  /** Where they came from, for the error when the budget table is missing. */
  readonly from?: string;
}

async function tables(values: Values): Promise<Tables> {
  if (values.stack === undefined) {
    return { keyTable: values.table, budgetTable: values['budget-table'] };
  }
  if (values.table !== undefined || values['budget-table'] !== undefined) {
    throw new KeysUsageError('--stack finds the tables itself: pass either --stack or --table/--budget-table');
  }
  const region = regionOf(values.region, values['endpoint-url']);
  const found = await stackTables(new CloudFormationClient({ region }), values.stack);
  return { keyTable: found.keyTable, budgetTable: found.budgetTable, from: `stack ${values.stack}` };
}

function keyTableOf(found: Tables): string {
  return required(found.keyTable, '--stack or --table');
}

/** The budget table, or an error that says how to name it. */
function budgetTableOf(found: Tables, why: string): string {
  if (found.budgetTable) {
    return found.budgetTable;
  }
  if (found.from) {
    throw new Error(
      `${found.from} has no budget table of the API (no tokenBudget, or a table of your own): ${why}; ` +
        'pass --table and --budget-table instead of --stack',
    );
  }
  throw new KeysUsageError(`--budget-table is required: ${why}`);
}

async function create(values: Values, client: () => DynamoDBClient, io: Io): Promise<number> {
  const name = required(values.name, '--name');
  const key = {
    name,
    owner: values.owner,
    expiresAt: values['expires-in'] === undefined ? undefined : expiry(values['expires-in']),
    allowedModels: values.models
      ?.split(',')
      .map((id) => id.trim())
      .filter((id) => id !== ''),
    limits: keyLimits(values),
  };
  const found = await tables(values);
  const budgetTable =
    Object.keys(key.limits).length === 0
      ? found.budgetTable
      : budgetTableOf(found, "a key's own limits live in the budget ledger");
  const created = await createKey(client(), { keyTable: keyTableOf(found), budgetTable }, key);
  io.err(`Created key ${created.keyId} for ${name}. The secret follows, shown once: store it now.`);
  io.out(created.secret);
  return 0;
}

async function revoke(values: Values, ids: string[], client: () => DynamoDBClient, io: Io): Promise<number> {
  const keyId = ids[0];
  if (ids.length !== 1 || !MANAGED_KEY_ID_PATTERN.test(keyId)) {
    throw new KeysUsageError('revoke takes one key id, e.g. keys revoke k_abcdefghijkl');
  }
  const keyTable = keyTableOf(await tables(values));
  if (!(await revokeKey(client(), keyTable, keyId))) {
    throw new Error(`no key ${keyId} in ${keyTable}`);
  }
  io.out(`Revoked ${keyId}: the API refuses it within its key cache TTL (30 s by default).`);
  return 0;
}

async function reportUsage(values: Values, client: () => DynamoDBClient, io: Io): Promise<number> {
  const range = usageRange(values.since, values.until);
  const found = await tables(values);
  const budgetTable = budgetTableOf(found, 'usage reads its day items');
  const usageByKey = await keyUsage(client(), budgetTable, range);
  // Names come from the key table when it is known; a key deleted from it keeps its usage, without a name.
  const names = new Map(
    found.keyTable ? (await listKeys(client(), found.keyTable)).map((key) => [key.keyId, key.name]) : [],
  );
  io.out(values.json ? usageJson(range, usageByKey, names) : usageText(usageByKey, names));
  return 0;
}

/** --since (default: the first of this UTC month) and --until, inclusive UTC days. */
export function usageRange(since: string | undefined, until: string | undefined, now = new Date()): UsageRange {
  const range = { since: utcDay(since ?? now.toISOString().slice(0, 8) + '01', '--since'), until };
  if (until === undefined) {
    return range;
  }
  if (utcDay(until, '--until') < range.since) {
    throw new KeysUsageError(`--until ${until} is before --since ${range.since}`);
  }
  return range;
}

function utcDay(raw: string, flag: string): string {
  // A real day: Date rolls 2026-02-30 over to March, and 2026-13-01 is no date at all.
  const day = new Date(`${raw}T00:00:00Z`);
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(raw) && !isNaN(day.getTime()) && day.toISOString().startsWith(raw);
  if (!valid) {
    throw new KeysUsageError(`${flag} must be a UTC date YYYY-MM-DD, not ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** The report as a table: one row per key, the biggest spender first, and a total row. */
export function usageText(usage: readonly KeyUsage[], names: ReadonlyMap<string, string>): string {
  const total = totalUsage(usage);
  const row = (id: string, name: string, u: Omit<KeyUsage, 'keyId'>) => [
    id,
    name,
    u.requests === undefined ? '-' : String(u.requests),
    String(u.tokens),
    usdText(u.usd),
  ];
  return columns(
    [
      ['key id', 'name', 'requests', 'tokens', 'usd'],
      ...usage.map((u) => row(u.keyId, names.get(u.keyId) ?? '-', u)),
      row('total', `${usage.length} ${usage.length === 1 ? 'key' : 'keys'}`, total),
    ],
    [false, false, true, true, true],
  );
}

/** The report for scripts: numbers as numbers, null where the ledger had nothing to say. */
export function usageJson(range: UsageRange, usage: readonly KeyUsage[], names: ReadonlyMap<string, string>): string {
  const total = totalUsage(usage);
  return JSON.stringify(
    {
      since: range.since,
      until: range.until ?? null,
      keys: usage.map((u) => ({
        keyId: u.keyId,
        name: names.get(u.keyId) ?? null,
        requests: u.requests ?? null,
        tokens: u.tokens,
        usd: usdJson(u.usd),
      })),
      total: { requests: total.requests ?? null, tokens: total.tokens, usd: usdJson(total.usd) },
    },
    null,
    2,
  );
}

/**
 * The operator's client. A loopback endpoint is the runner's store, which checks that requests are signed, not by
 * whom: without credentials in the environment, fixed local ones are used there (never for AWS).
 */
function clientFor(region: string | undefined, endpoint: string | undefined): DynamoDBClient {
  const noCredentials = !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  return new DynamoDBClient({
    region: regionOf(region, endpoint),
    endpoint,
    ...(isLocal(endpoint) &&
      noCredentials && { credentials: { accessKeyId: 'AKIALOCALKEYSCLI0000', secretAccessKey: 'local' } }),
  });
}

function isLocal(endpoint: string | undefined): boolean {
  return endpoint !== undefined && /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint);
}

function regionOf(region: string | undefined, endpoint: string | undefined): string | undefined {
  return (
    region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (isLocal(endpoint) ? 'us-east-1' : undefined)
  );
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

/** The flag of each limit a key may have of its own (the names of BudgetLimits, in kebab case). */
const LIMIT_FLAGS = BUDGET_LIMITS.map(
  ({ name }) => [name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), name] as const,
);

/** The limit flags given, as the limits item names them. */
function keyLimits(values: Values): BudgetLimits {
  const limits: Record<string, number> = {};
  for (const [flag, name] of LIMIT_FLAGS) {
    // The limit flags are declared from LIMIT_FLAGS, so their names are not in the parsed values' type.
    const raw = (values as Record<string, unknown>)[flag];
    if (typeof raw !== 'string') {
      continue;
    }
    const value = Number(raw);
    if (raw.trim() === '' || !isBudgetLimit(name, value)) {
      const counter = budgetLimitCounter(name);
      const kind = counter === 'usd' ? 'an amount of USD' : `a whole number of ${counter}`;
      throw new KeysUsageError(`--${flag} must be ${kind} >= 0, not ${JSON.stringify(raw)}`);
    }
    limits[name] = value;
  }
  return limits;
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

/** Rows as columns separated by two spaces, left-aligned unless `right[i]` (numbers line up by their last digit). */
function columns(rows: string[][], right: readonly boolean[] = []): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
