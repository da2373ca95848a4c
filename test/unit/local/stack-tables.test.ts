/**
 * `keys --stack`: the tables are found by the logical ids CDK gives the construct's tables (read from a synthesized
 * stack, not written by hand), through the real CloudFormation client against a local endpoint speaking the service's
 * query/XML protocol.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiAuth, StreamingBedrockApi } from '../../../src';
import { runKeys } from '../../../src/local/keys-cli';
import { apisWithKeys, pickApi, stackTables, type StackResource } from '../../../src/local/stack-tables';
import { FakeCloudFormation, type FakeResource } from '../../support/fake-cloudformation';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

/** The resources of a synthesized stack as CloudFormation lists them (physical id: `table-<logical id>`). */
function resourcesOf(build: (stack: Stack) => void): FakeResource[] {
  const stack = new Stack(new App(), 'Chat');
  build(stack);
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>;
  return Object.entries(resources).map(([logicalId, r]) => ({
    logicalId,
    physicalId: `table-${logicalId}`,
    type: r.Type,
  }));
}

const asListed = (resources: FakeResource[]): StackResource[] =>
  resources.map((r) => ({ LogicalResourceId: r.logicalId, PhysicalResourceId: r.physicalId, ResourceType: r.type }));

/** One API with managed keys and a token budget, as most stacks have it. */
const oneApi = resourcesOf((stack) => {
  new StreamingBedrockApi(stack, 'Chat', {
    modelId: MODEL,
    auth: ApiAuth.managedKeys(),
    tokenBudget: { tokensPerDay: 1000 },
  });
});

/** Two APIs with managed keys (one without a budget), and one with a budget but API Gateway keys. */
const threeApis = resourcesOf((stack) => {
  new StreamingBedrockApi(stack, 'Chat', {
    modelId: MODEL,
    auth: ApiAuth.managedKeys(),
    tokenBudget: { tokensPerDay: 1000 },
  });
  new StreamingBedrockApi(stack, 'Admin', { modelId: MODEL, auth: ApiAuth.managedKeys() });
  new StreamingBedrockApi(stack, 'Partners', {
    modelId: MODEL,
    auth: ApiAuth.apiKey(),
    tokenBudget: { tokensPerDay: 1000 },
  });
});

test("finds the key table and the budget table of the stack's API by the construct's logical ids", () => {
  const [api] = apisWithKeys(asListed(oneApi));
  expect(api).toEqual({
    api: 'Chat',
    keyTable: expect.stringMatching(/^table-ChatKeyTable[0-9A-F]{8}$/),
    budgetTable: expect.stringMatching(/^table-ChatBudgetTable[0-9A-F]{8}$/),
  });
  expect(apisWithKeys(asListed(oneApi))).toHaveLength(1);
});

test('tells APIs apart in one stack; an API without managed keys is no candidate', () => {
  const apis = apisWithKeys(asListed(threeApis));
  expect(apis.map((api) => [api.api, api.keyTable.startsWith(`table-${api.api}KeyTable`), api.budgetTable])).toEqual([
    ['Chat', true, expect.stringMatching(/^table-ChatBudgetTable/)],
    ['Admin', true, undefined],
  ]);
});

test('fails with several APIs, listing each with its tables and saying to pass --table', () => {
  expect(() => pickApi('Chat', apisWithKeys(asListed(threeApis)))).toThrow(
    /^stack Chat holds 2 APIs with managed keys: Chat \(--table table-ChatKeyTable\w{8} --budget-table table-ChatBudgetTable\w{8}\), Admin \(--table table-AdminKeyTable\w{8}\); pass --table \(and --budget-table\) of one of them instead of --stack$/,
  );
});

test('fails without a key table of the construct, saying to pass --table', () => {
  const noKeys = resourcesOf((stack) => {
    new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, tokenBudget: { tokensPerDay: 1000 } });
  });
  expect(() => pickApi('Chat', apisWithKeys(asListed(noKeys)))).toThrow(
    'stack Chat has no key table of a StreamingBedrockApi with ApiAuth.managedKeys() (a table of your own is not found by --stack): pass --table',
  );
});

describe('through the CloudFormation client', () => {
  let cloudFormation: FakeCloudFormation;
  const saved = { ...process.env };

  beforeAll(async () => {
    cloudFormation = await new FakeCloudFormation({ Chat: oneApi, Shared: threeApis }).start();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
      AWS_ACCESS_KEY_ID: 'AKIAFAKECLOUDFORMATN',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_REGION: 'eu-west-1',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await cloudFormation.stop();
  });

  const client = () => new CloudFormationClient({});

  test('reads every page of the stack, signed, and finds its tables', async () => {
    cloudFormation.requests.length = 0;
    const tables = await stackTables(client(), 'Chat');
    expect(tables.keyTable).toMatch(/^table-ChatKeyTable/);
    expect(tables.budgetTable).toMatch(/^table-ChatBudgetTable/);
    // The tables are not on the first page: the pages after it were read.
    expect(cloudFormation.requests.length).toBe(Math.ceil(oneApi.length / 2));
    expect(cloudFormation.requests[1].form).toMatchObject({
      Action: 'ListStackResources',
      StackName: 'Chat',
      NextToken: '2',
    });
  });

  test('fails for a stack that does not exist, naming the stack and the region', async () => {
    await expect(stackTables(client(), 'Nope')).rejects.toThrow(/^no stack Nope in eu-west-1$/);
  });

  async function keys(...argv: string[]) {
    const err: string[] = [];
    const code = await runKeys(argv, { out: () => undefined, err: (line) => err.push(line) });
    return { code, err: err.join('\n') };
  }

  test('fails keys list --stack with several APIs (exit 1), listing the candidates', async () => {
    const result = await keys('list', '--stack', 'Shared');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /^error: stack Shared holds 2 APIs with managed keys: Chat \(--table table-ChatKeyTable/,
    );
  });

  test('fails keys usage --stack when the API has no budget table, saying to name the tables', async () => {
    const admin = threeApis.filter((r) => !/^(Chat|Partners)/.test(r.logicalId));
    const only = await new FakeCloudFormation({ Admin: admin }).start();
    process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = only.url;
    try {
      const result = await keys('usage', '--stack', 'Admin');
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        'error: stack Admin has no budget table of the API (no tokenBudget, or a table of your own): usage reads its ' +
          'day items; pass --table and --budget-table instead of --stack',
      );
    } finally {
      process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = cloudFormation.url;
      await only.stop();
    }
  });
});
