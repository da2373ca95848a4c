import { App, CfnOutput, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ResponseMode, StreamingBedrockApi, StreamingBedrockApiProps } from '../../src';
import { HandlerEnvironment } from '../../src/contract';
import { inlineFunction } from '../support/inline-function';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

function stackWith(props: Partial<StreamingBedrockApiProps> = {}): { stack: Stack; api: StreamingBedrockApi } {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const api = new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, ...props });
  return { stack, api };
}

/** Every statement of the default handler's role policies. */
function roleStatements(t: Template): any[] {
  const policies = Object.values<any>(t.findResources('AWS::IAM::Policy'));
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function ledgerStatements(t: Template): any[] {
  return roleStatements(t).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
}

describe('the ledger table the construct creates', () => {
  const { stack, api } = stackWith({ tokenBudget: { tokensPerDay: 200_000, tokensPerMonth: 3_000_000 } });
  const t = Template.fromStack(stack);

  test('has the contract key schema, on-demand billing, TTL on expiresAt, PITR and encryption, and is retained', () => {
    const tables = t.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(1);
    const [table] = Object.values<any>(tables);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(api.budgetTable).toBeInstanceOf(dynamodb.Table);
  });

  test('the handler gets its name and the limits in its environment, and may only GetItem and UpdateItem on it', () => {
    const [tableId] = Object.keys(t.findResources('AWS::DynamoDB::Table'));
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [HandlerEnvironment.BUDGET_TABLE]: { Ref: tableId },
          [HandlerEnvironment.BUDGET_TOKENS_PER_DAY]: '200000',
          [HandlerEnvironment.BUDGET_TOKENS_PER_MONTH]: '3000000',
        }),
      },
    });
    expect(ledgerStatements(t)).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      },
    ]);
    const vars = Object.values<any>(t.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(vars[HandlerEnvironment.BUDGET_FAIL_OPEN]).toBeUndefined();
  });

  test('metricBudgetRejections() is the API-wide BudgetRejections, summed over 5 minutes', () => {
    const { stack: alarmed, api: budgeted } = stackWith({ tokenBudget: { tokensPerDay: 200_000 } });
    new cloudwatch.Alarm(alarmed, 'Rejections', {
      metric: budgeted.metricBudgetRejections(),
      threshold: 10,
      evaluationPeriods: 1,
    });
    Template.fromStack(alarmed).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'StreamingBedrockApi',
      MetricName: 'BudgetRejections',
      Statistic: 'Sum',
      Period: 300,
      Dimensions: Match.absent(),
    });
  });

  test('metricUnmeteredRequests() is the API-wide UnmeteredRequests (answers failOpen let through), summed', () => {
    const { api: budgeted } = stackWith({ tokenBudget: { tokensPerDay: 200_000, failOpen: true } });
    const metric = budgeted.metricUnmeteredRequests();
    expect([metric.namespace, metric.metricName, metric.statistic, metric.period.toSeconds()]).toEqual([
      'StreamingBedrockApi',
      'UnmeteredRequests',
      'Sum',
      300,
    ]);
  });
});

describe('your own ledger table', () => {
  test('no table is created; a customer KMS key is usable by the handler; failOpen reaches the handler', () => {
    const stack = new Stack(new App(), 'Own', { env: { account: '123456789012', region: 'us-east-1' } });
    const key = new kms.Key(stack, 'Key');
    const table = new dynamodb.Table(stack, 'Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
    });
    const api = new StreamingBedrockApi(stack, 'Chat', {
      modelId: MODEL,
      responseMode: ResponseMode.BOTH,
      tokenBudget: { table, failOpen: true },
    });
    const t = Template.fromStack(stack);
    expect(api.budgetTable).toBe(table);
    expect(Object.keys(t.findResources('AWS::DynamoDB::Table'))).toEqual([expect.stringMatching(/^Ledger/)]);
    const functions = Object.values<any>(t.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(2); // streaming and buffered: both budgeted
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        [HandlerEnvironment.BUDGET_TABLE]: { Ref: expect.stringMatching(/^Ledger/) },
        [HandlerEnvironment.BUDGET_FAIL_OPEN]: 'true',
      });
      expect(fn.Properties.Environment.Variables[HandlerEnvironment.BUDGET_TOKENS_PER_DAY]).toBeUndefined();
    }
    const kmsActions = roleStatements(t)
      .filter((s) => JSON.stringify(s.Resource).includes('Key'))
      .flatMap((s) => s.Action);
    // Listed actions, no wildcard for cdk-nag to flag.
    expect(kmsActions.sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });

  test('an imported table is granted by its ARN', () => {
    const stack = new Stack(new App(), 'Imported', { env: { account: '123456789012', region: 'us-east-1' } });
    const table = dynamodb.Table.fromTableName(stack, 'Ledger', 'shared-budgets');
    new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, tokenBudget: { table, tokensPerMonth: 1_000_000 } });
    const t = Template.fromStack(stack);
    const [statement] = ledgerStatements(t);
    expect(JSON.stringify(statement.Resource)).toContain(':table/shared-budgets');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [HandlerEnvironment.BUDGET_TABLE]: 'shared-budgets' }) },
    });
  });
});

describe('without tokenBudget', () => {
  test('no table, no DynamoDB permission, no budget variables, and metricBudgetRejections() explains why it throws', () => {
    const { stack, api } = stackWith();
    const t = Template.fromStack(stack);
    expect(t.findResources('AWS::DynamoDB::Table')).toEqual({});
    expect(ledgerStatements(t)).toEqual([]);
    expect(api.budgetTable).toBeUndefined();
    const vars = Object.values<any>(t.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(Object.keys(vars).filter((name) => name.startsWith('SBA_BUDGET'))).toEqual([]);
    expect(() => api.metricBudgetRejections()).toThrow(
      /StreamingBedrockApi at 'TestStack\/Chat': metricBudgetRejections\(\) needs tokenBudget/,
    );
    expect(() => api.metricUnmeteredRequests()).toThrow(
      /StreamingBedrockApi at 'TestStack\/Chat': metricUnmeteredRequests\(\) needs tokenBudget: .* no UnmeteredRequests metric/,
    );
  });
});

describe('tokenBudget validation', () => {
  const invalid = (tokenBudget: StreamingBedrockApiProps['tokenBudget']) => () => stackWith({ tokenBudget });

  test.each([
    ['tokensPerDay', -1],
    ['tokensPerDay', 1.5],
    ['tokensPerMonth', Number.NaN],
  ])('%s %p fails, naming the construct, the prop and the fix', (name, value) => {
    expect(invalid({ [name]: value })).toThrow(
      new RegExp(
        `StreamingBedrockApi at 'TestStack/Chat': invalid tokenBudget\\.${name} ${value}\\. Use a whole number of tokens >= 0`,
      ),
    );
  });

  test('a day limit above the month limit fails', () => {
    expect(invalid({ tokensPerDay: 500, tokensPerMonth: 100 })).toThrow(
      /invalid tokenBudget\.tokensPerDay 500\. It is larger than tokenBudget\.tokensPerMonth \(100\)/,
    );
  });

  test('no limit and no table of limits items fails', () => {
    expect(invalid({ failOpen: true })).toThrow(/invalid tokenBudget \{"failOpen":true\}\. A budget needs a limit/);
  });

  test('a limit that is a token (a CfnParameter, say) fails, saying it is a token rather than printing its number', () => {
    expect(invalid({ tokensPerDay: Lazy.number({ produce: () => 1000 }) })).toThrow(
      /invalid tokenBudget\.tokensPerDay \(a token, whose value is known only at deployment\)\. Use a whole number of tokens >= 0 known at synth/,
    );
  });

  test('a limit of 0 is allowed: only callers with a limits item may call', () => {
    expect(invalid({ tokensPerDay: 0 })).not.toThrow();
  });

  test('with your own handler it fails: the budget is enforced by the default handler', () => {
    const stack = new Stack(new App(), 'Byo');
    const handler = inlineFunction(stack, 'Fn');
    expect(() => new StreamingBedrockApi(stack, 'Chat', { handler, tokenBudget: { tokensPerDay: 1000 } })).toThrow(
      /tokenBudget configure the default handler and would be ignored/,
    );
  });
});

describe('budgetBelowMaxTokens warning', () => {
  const warnings = (props: Partial<StreamingBedrockApiProps>) => {
    const { stack } = stackWith(props);
    new CfnOutput(stack, 'Out', { value: 'x' });
    return Annotations.fromStack(stack)
      .findWarning('*', Match.stringLikeRegexp('budgetBelowMaxTokens'))
      .map((w) => String(w.entry.data));
  };

  test('a limit below the default maxTokens warns, naming the limit, maxTokens and the fix', () => {
    expect(warnings({ tokenBudget: { tokensPerDay: 500 } })).toEqual([
      expect.stringMatching(
        /tokenBudget\.tokensPerDay 500 is below maxTokens 1024.*Raise the limit, or lower maxTokens/,
      ),
    ]);
  });

  test('no warning when the limit covers maxTokens, or for a deliberate 0', () => {
    expect(warnings({ tokenBudget: { tokensPerDay: 500 }, maxTokens: 400 })).toEqual([]);
    expect(warnings({ tokenBudget: { tokensPerDay: 0 } })).toEqual([]);
  });
});

describe('per-minute limits, pricing and spend limits', () => {
  const PRICE = { inputPerMillionTokens: 0.8, outputPerMillionTokens: 4 };
  const OTHER = 'amazon.nova-micro-v1:0';

  test('reach the handler: every limit and the prices in their compact encoding', () => {
    const { stack } = stackWith({
      allowedModelIds: [MODEL, OTHER],
      pricing: {
        [MODEL]: { ...PRICE, cacheReadPerMillionTokens: 0.08, cacheWritePerMillionTokens: 1 },
        [OTHER]: { inputPerMillionTokens: 0.035, outputPerMillionTokens: 0.14 },
      },
      tokenBudget: { requestsPerMinute: 60, tokensPerMinute: 100_000, spendPerDay: 5, spendPerMonth: 50 },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [HandlerEnvironment.BUDGET_REQUESTS_PER_MINUTE]: '60',
          [HandlerEnvironment.BUDGET_TOKENS_PER_MINUTE]: '100000',
          [HandlerEnvironment.BUDGET_SPEND_PER_DAY]: '5',
          [HandlerEnvironment.BUDGET_SPEND_PER_MONTH]: '50',
          [HandlerEnvironment.PRICING]: JSON.stringify({ [MODEL]: [0.8, 4, 0.08, 1], [OTHER]: [0.035, 0.14] }),
        }),
      },
    });
  });

  test('pricing alone (no budget) reaches the handler: the cost in the log line and metricSpend', () => {
    const { stack } = stackWith({ pricing: { [MODEL]: PRICE } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [HandlerEnvironment.PRICING]: `{"${MODEL}":[0.8,4]}` }) },
    });
  });

  test('a spend limit without a price for every model the API allows fails, naming the unpriced ids', () => {
    expect(() =>
      stackWith({ allowedModelIds: [MODEL, OTHER], pricing: { [MODEL]: PRICE }, tokenBudget: { spendPerDay: 5 } }),
    ).toThrow(
      `StreamingBedrockApi at 'TestStack/Chat': invalid pricing {"${MODEL}":{"inputPerMillionTokens":0.8,"outputPerMillionTokens":4}}. ` +
        `tokenBudget.spendPerDay counts USD at each model's price, and '${OTHER}' has no price: add it to pricing`,
    );
    expect(() => stackWith({ tokenBudget: { spendPerMonth: 5 } })).toThrow(
      /invalid pricing undefined\. tokenBudget\.spendPerMonth counts USD .* has no price/,
    );
  });

  test.each([
    [{ inputPerMillionTokens: -1, outputPerMillionTokens: 4 }, 'inputPerMillionTokens', '-1'],
    [{ inputPerMillionTokens: 1, outputPerMillionTokens: Infinity }, 'outputPerMillionTokens', 'Infinity'],
    [{ ...PRICE, cacheWritePerMillionTokens: Number.NaN }, 'cacheWritePerMillionTokens', 'NaN'],
  ])('a price %j fails, naming the model and the field', (price, field, shown) => {
    expect(() => stackWith({ pricing: { [MODEL]: price } })).toThrow(
      `invalid pricing['${MODEL}'].${field} ${shown}. Use USD per million tokens >= 0 known at synth`,
    );
  });

  test.each([
    ['requestsPerMinute', 2.5, 'Use a whole number of requests >= 0'],
    ['tokensPerMinute', -3, 'Use a whole number of tokens >= 0'],
    ['spendPerDay', -0.01, 'Use an amount of USD >= 0'],
    ['spendPerMonth', Infinity, 'Use an amount of USD >= 0'],
  ])('%s %p fails with its fix', (name, value, fix) => {
    expect(() => stackWith({ pricing: { [MODEL]: PRICE }, tokenBudget: { [name]: value } })).toThrow(
      `invalid tokenBudget.${name} ${value}. ${fix}`,
    );
  });

  test('a daily spend above the monthly spend fails', () => {
    expect(() =>
      stackWith({ pricing: { [MODEL]: PRICE }, tokenBudget: { spendPerDay: 10, spendPerMonth: 5 } }),
    ).toThrow(/invalid tokenBudget\.spendPerDay 10\. It is larger than tokenBudget\.spendPerMonth \(5\)/);
  });

  test('pricing with your own handler fails: only the default handler prices requests', () => {
    const stack = new Stack(new App(), 'Byo');
    const handler = inlineFunction(stack, 'Fn');
    expect(() => new StreamingBedrockApi(stack, 'Chat', { handler, pricing: { [MODEL]: PRICE } })).toThrow(
      /pricing configure the default handler and would be ignored/,
    );
  });
});
