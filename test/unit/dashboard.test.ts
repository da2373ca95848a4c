import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ResponseMode, StreamingBedrockApi, StreamingBedrockApiProps } from '../../src';
import { apiDashboard } from '../../src/private/dashboard';
import { inlineFunction } from '../support/inline-function';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

/** With a price for the model, so that the spend widgets are there (`pricing: undefined` takes it away). */
function stackWith(props: Partial<StreamingBedrockApiProps> = {}): { stack: Stack; api: StreamingBedrockApi } {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const pricing = { [MODEL]: { inputPerMillionTokens: 0.8, outputPerMillionTokens: 4 } };
  const api = new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, pricing, ...props });
  return { stack, api };
}

interface Widget {
  type: 'metric' | 'log';
  width: number;
  properties: { title: string; view: string; metrics?: any[][]; query?: string };
}

/**
 * The dashboard body as the console reads it: CloudFormation joins the body from strings and references, rendered
 * here as `REF(<logical id>)`.
 */
function widgetsOf(stack: Stack): Widget[] {
  const dashboards = Object.values<any>(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const [, parts] = dashboards[0].Properties.DashboardBody['Fn::Join'];
  const text = parts.map((p: any) => (typeof p === 'string' ? p : `REF(${p.Ref})`)).join('');
  return JSON.parse(text).widgets;
}

function widget(widgets: Widget[], title: string): Widget {
  const found = widgets.find((w) => w.properties.title === title);
  if (!found) {
    throw new Error(`no widget "${title}" in ${widgets.map((w) => w.properties.title).join(', ')}`);
  }
  return found;
}

/** Each line of a metric widget as [namespace, metric name, statistic] or the search expression. */
function linesOf(w: Widget): Array<string[] | string> {
  return w.properties.metrics!.map((line) => {
    const options = line[line.length - 1];
    if (options.expression) {
      return options.expression;
    }
    // A graph's default statistic is Average: the body leaves it out.
    return [line[0], line[1], options.stat ?? 'Average'];
  });
}

function handlerLogGroupId(stack: Stack): string {
  const ids = Object.keys(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'));
  return ids.find((id) => id.startsWith('ChatHandlerLogs'))!;
}

const NS = 'StreamingBedrockApi';

describe('dashboard', () => {
  test('none unless asked', () => {
    for (const props of [{}, { dashboard: false }]) {
      const { stack, api } = stackWith(props);
      Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
      expect(api.dashboard).toBeUndefined();
    }
  });

  test('dashboard: true creates one, named by CloudFormation, exposed as api.dashboard', () => {
    const { stack, api } = stackWith({ dashboard: true });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values<any>(t.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard.Properties.DashboardName).toBeUndefined();
    expect(api.dashboard).toBeInstanceOf(cloudwatch.Dashboard);
  });

  test('two APIs in one stack get a dashboard each, with no name to collide on', () => {
    const stack = new Stack(new App(), 'Two');
    new StreamingBedrockApi(stack, 'A', { modelId: MODEL, dashboard: true });
    new StreamingBedrockApi(stack, 'B', { modelId: MODEL, dashboard: true });
    const dashboards = Object.values<any>(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(2);
    expect(dashboards.map((d) => d.Properties.DashboardName)).toEqual([undefined, undefined]);
  });

  describe('the widgets', () => {
    const { stack } = stackWith({ dashboard: true, tokenBudget: { tokensPerDay: 100_000 } });
    const widgets = widgetsOf(stack);

    test('in rows of 24 columns, in the order an operator reads them', () => {
      expect(widgets.map((w) => w.properties.title)).toEqual([
        'Requests and errors',
        'Errors by outcome',
        'Stage (API Gateway): requests, 4XX, 5XX',
        'Time to first token (ms)',
        'Duration (ms)',
        'Tokens',
        'Spend (USD)',
        'Spend over the time range (USD)',
        'Spend per caller (USD)',
        'Budget refusals and unmetered answers',
        'Top callers by tokens',
      ]);
      const rows = new Map<number, number>();
      widgets.forEach((w: any) => rows.set(w.y, (rows.get(w.y) ?? 0) + w.width));
      expect([...rows.values()]).toEqual([24, 24, 24, 24]);
    });

    test('requests and errors: sums, and the error rate (the average of 0 or 1 per request)', () => {
      expect(linesOf(widget(widgets, 'Requests and errors'))).toEqual([
        [NS, 'Requests', 'Sum'],
        [NS, 'Errors', 'Sum'],
        [NS, 'Errors', 'Average'],
      ]);
    });

    test('errors by outcome: one line per model and error code, successes left out', () => {
      expect(linesOf(widget(widgets, 'Errors by outcome'))).toEqual([
        `SEARCH('{"${NS}",ModelId,Outcome} MetricName="Errors" NOT Outcome="ok"', 'Sum', 300)`,
      ]);
    });

    test("the stage's requests and 4XX/5XX, which include what API Gateway refused before the handler", () => {
      const w = widget(widgets, 'Stage (API Gateway): requests, 4XX, 5XX');
      expect(linesOf(w)).toEqual([
        ['AWS/ApiGateway', 'Count', 'Sum'],
        ['AWS/ApiGateway', '4XXError', 'Sum'],
        ['AWS/ApiGateway', '5XXError', 'Sum'],
      ]);
    });

    test.each([
      ['Time to first token (ms)', 'TimeToFirstToken'],
      ['Duration (ms)', 'Duration'],
    ])('%s at p50, p90 and p99', (title, metric) => {
      expect(linesOf(widget(widgets, title))).toEqual(['p50', 'p90', 'p99'].map((p) => [NS, metric, p]));
    });

    test('input, output and cache tokens', () => {
      expect(linesOf(widget(widgets, 'Tokens'))).toEqual(
        ['InputTokens', 'OutputTokens', 'CacheReadInputTokens', 'CacheWriteInputTokens'].map((m) => [NS, m, 'Sum']),
      );
    });

    test('spend API-wide and per model (found by a search, so every model that answered is there)', () => {
      expect(linesOf(widget(widgets, 'Spend (USD)'))).toEqual([
        [NS, 'Spend', 'Sum'],
        `SEARCH('{"${NS}",ModelId} MetricName="Spend"', 'Sum', 300)`,
      ]);
      const total = widget(widgets, 'Spend over the time range (USD)') as any;
      expect(linesOf(total)).toEqual([[NS, 'Spend', 'Sum']]);
      expect(total.properties).toMatchObject({ view: 'singleValue', setPeriodToTimeRange: true });
    });

    test("spend per caller: a Logs Insights table over the handler's log group", () => {
      const w = widget(widgets, 'Spend per caller (USD)');
      expect(w).toMatchObject({ type: 'log', properties: { view: 'table' } });
      expect(w.properties.query).toBe(
        `SOURCE 'REF(${handlerLogGroupId(stack)})' | filter message = "request completed" and ispresent(costUsd)\n` +
          '| stats sum(costUsd) as spendUsd, count(*) as requests by caller.type, caller.id\n' +
          '| sort spendUsd desc\n' +
          '| limit 20',
      );
    });

    test("top callers by tokens: every billed token (input, output, cache), over the handler's log group", () => {
      const w = widget(widgets, 'Top callers by tokens');
      expect(w).toMatchObject({ type: 'log', properties: { view: 'table' } });
      const lines = w.properties.query!.split('\n| ');
      expect(lines).toEqual([
        `SOURCE 'REF(${handlerLogGroupId(stack)})' | filter message = "request completed" and ispresent(usage.inputTokens)`,
        'fields usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens as tokens',
        'stats sum(tokens) as totalTokens, sum(usage.inputTokens) as input, sum(usage.outputTokens) as output, ' +
          'sum(usage.cacheReadInputTokens) as cacheRead, sum(usage.cacheWriteInputTokens) as cacheWrite, ' +
          'count(*) as requests by caller.type, caller.id',
        'sort totalTokens desc',
        'limit 20',
      ]);
    });

    test('with tokenBudget: budget refusals and unmetered answers', () => {
      expect(linesOf(widget(widgets, 'Budget refusals and unmetered answers'))).toEqual([
        [NS, 'BudgetRejections', 'Sum'],
        [NS, 'UnmeteredRequests', 'Sum'],
      ]);
    });
  });

  test('without tokenBudget, no budget widget (nothing publishes those metrics)', () => {
    const widgets = widgetsOf(stackWith({ dashboard: true }).stack);
    const body = JSON.stringify(widgets);
    expect(body).not.toContain('BudgetRejections');
    expect(body).not.toContain('UnmeteredRequests');
    expect(widgets.map((w) => w.properties.title)).toContain('Top callers by tokens');
  });

  test('with fallbackModelIds: the requests a fallback answered, beside requests and errors', () => {
    const fallback = 'amazon.nova-lite-v1:0';
    const pricing = {
      [MODEL]: { inputPerMillionTokens: 0.8, outputPerMillionTokens: 4 },
      [fallback]: { inputPerMillionTokens: 0.06, outputPerMillionTokens: 0.24 },
    };
    const widgets = widgetsOf(stackWith({ dashboard: true, fallbackModelIds: [fallback], pricing }).stack);
    expect(linesOf(widget(widgets, 'Requests, errors and fallback answers'))).toEqual([
      [NS, 'Requests', 'Sum'],
      [NS, 'Errors', 'Sum'],
      [NS, 'Fallbacks', 'Sum'],
      [NS, 'Errors', 'Average'],
    ]);
  });

  test('without fallbackModelIds, no Fallbacks line (nothing publishes it)', () => {
    expect(JSON.stringify(widgetsOf(stackWith({ dashboard: true }).stack))).not.toContain('Fallbacks');
  });

  test('in the namespace of handlerOptions.metricsNamespace, searches included', () => {
    const widgets = widgetsOf(stackWith({ dashboard: true, handlerOptions: { metricsNamespace: 'Chat Prod' } }).stack);
    const metricLines = widgets.filter((w) => w.type === 'metric').flatMap((w) => linesOf(w));
    const namespaces = new Set(metricLines.map((l) => (typeof l === 'string' ? l.match(/\{"([^"]+)"/)![1] : l[0])));
    expect(namespaces).toEqual(new Set(['Chat Prod', 'AWS/ApiGateway']));
  });

  test('with ResponseMode.BOTH the Logs Insights widgets read the one log group of both functions', () => {
    const { stack } = stackWith({ dashboard: true, responseMode: ResponseMode.BOTH });
    const functions = Object.values<any>(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    const logGroupId = handlerLogGroupId(stack);
    expect(functions.map((f) => f.Properties.LoggingConfig.LogGroup)).toEqual([
      { Ref: logGroupId },
      { Ref: logGroupId },
    ]);
    const queries = widgetsOf(stack).flatMap((w) => (w.properties.query ? [w.properties.query] : []));
    expect(queries).toHaveLength(2);
    queries.forEach((q) => expect(q.startsWith(`SOURCE 'REF(${logGroupId})'`)).toBe(true));
  });

  test('without pricing, dashboard: true has no spend widget (nothing publishes Spend)', () => {
    const widgets = widgetsOf(stackWith({ dashboard: true, pricing: undefined }).stack);
    expect(widgets.map((w) => w.properties.title).filter((t) => /spend/i.test(t))).toEqual([]);
    expect(JSON.stringify(widgets)).not.toContain('costUsd');
  });

  test('with spend off (no pricing), no spend widget and no cost query', () => {
    const { stack, api } = stackWith();
    const logGroup = new logs.LogGroup(stack, 'Logs');
    // The construct has the stage's metric methods the dashboard uses.
    apiDashboard(new Construct(stack, 'Ops'), { metricsNamespace: NS, handlerLogGroup: logGroup }, api, {
      spend: false,
      fallbacks: false,
    });
    const widgets = widgetsOf(stack);
    expect(widgets.map((w) => w.properties.title)).toContain('Top callers by tokens');
    expect(widgets.map((w) => w.properties.title).filter((t) => /spend/i.test(t))).toEqual([]);
    expect(JSON.stringify(widgets)).not.toContain('costUsd');
    expect(JSON.stringify(widgets)).not.toContain('"Spend"');
  });

  test('with your own handler, dashboard: true fails at synth naming the construct, the prop, the value and the fix', () => {
    const stack = new Stack(new App(), 'Byo');
    const handler = inlineFunction(stack, 'Fn');
    expect(() => new StreamingBedrockApi(stack, 'Chat', { handler, dashboard: true })).toThrow(
      "StreamingBedrockApi at 'Byo/Chat': invalid dashboard true. The dashboard shows the default handler's metrics " +
        'and log lines, which your own handler does not publish: remove dashboard, or remove handler',
    );
    // Off is fine.
    expect(() => new StreamingBedrockApi(stack, 'Off', { handler, dashboard: false })).not.toThrow();
  });
});
