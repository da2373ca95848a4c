/**
 * `keys ... --stack NAME`: the key table and the budget table of the StreamingBedrockApi in a CloudFormation stack,
 * found among the stack's resources by their logical ids, so that an operator need not copy table names out of the
 * console. CDK names a resource's logical id after its construct path without the `Resource` leaf, plus an 8-character
 * hash: the construct's tables (private/key-table.ts, private/budget-table.ts) are `<API path>KeyTable<hash>` and
 * `<API path>BudgetTable<hash>`, e.g. `ChatKeyTable1A2B3C4D` for an API with the construct id `Chat`.
 */
import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';

/** One resource of a stack, as ListStackResources names it. */
export interface StackResource {
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType?: string;
}

/** The tables of one API in a stack: `api` is its construct path as the logical ids spell it (e.g. `Chat`). */
export interface ApiTables {
  readonly api: string;
  readonly keyTable: string;
  readonly budgetTable?: string;
}

const TABLE_LOGICAL_ID = /^(.+)(KeyTable|BudgetTable)[0-9A-F]{8}$/;

/**
 * The APIs with managed keys among a stack's resources: each key table, with the budget table of the same API when
 * it has one. An API with your own key table (`ApiAuth.managedKeys({ table })`) is not found: its table is not the
 * construct's.
 */
export function apisWithKeys(resources: readonly StackResource[]): ApiTables[] {
  const tables = new Map<string, { key?: string; budget?: string }>();
  for (const resource of resources) {
    const match = TABLE_LOGICAL_ID.exec(resource.LogicalResourceId ?? '');
    if (!match || resource.ResourceType !== 'AWS::DynamoDB::Table' || !resource.PhysicalResourceId) {
      continue;
    }
    const api = tables.get(match[1]) ?? {};
    api[match[2] === 'KeyTable' ? 'key' : 'budget'] = resource.PhysicalResourceId;
    tables.set(match[1], api);
  }
  return [...tables]
    .filter(([, api]) => api.key !== undefined)
    .map(([api, { key, budget }]) => ({ api, keyTable: key!, budgetTable: budget }));
}

/** The one API with managed keys of the stack; an error naming the way out when there is none, or several. */
export function pickApi(stackName: string, apis: readonly ApiTables[]): ApiTables {
  if (apis.length === 1) {
    return apis[0];
  }
  if (apis.length === 0) {
    throw new Error(
      `stack ${stackName} has no key table of a StreamingBedrockApi with ApiAuth.managedKeys() ` +
        '(a table of your own is not found by --stack): pass --table',
    );
  }
  const candidates = apis
    .map((api) => `${api.api} (--table ${api.keyTable}${api.budgetTable ? ` --budget-table ${api.budgetTable}` : ''})`)
    .join(', ');
  throw new Error(
    `stack ${stackName} holds ${apis.length} APIs with managed keys: ${candidates}; pass --table (and --budget-table) ` +
      'of one of them instead of --stack',
  );
}

/**
 * Every resource of the stack (ListStackResources, page by page: DescribeStackResources stops at 100). The endpoint
 * is the SDK's: AWS_ENDPOINT_URL_CLOUDFORMATION overrides it, as for every AWS SDK client.
 */
export async function stackResources(client: CloudFormationClient, stackName: string): Promise<StackResource[]> {
  const resources: StackResource[] = [];
  try {
    for await (const page of paginateListStackResources({ client }, { StackName: stackName })) {
      resources.push(...(page.StackResourceSummaries ?? []));
    }
  } catch (err) {
    // CloudFormation says "Stack with id X does not exist" as a ValidationError: say it without the ARN-bearing text.
    if ((err as Error).name === 'ValidationError' && /does not exist/.test((err as Error).message)) {
      throw new Error(`no stack ${stackName} in ${await client.config.region()}`);
    }
    throw err;
  }
  return resources;
}

/** The tables of the stack's one API with managed keys. */
export async function stackTables(client: CloudFormationClient, stackName: string): Promise<ApiTables> {
  return pickApi(stackName, apisWithKeys(await stackResources(client, stackName)));
}
