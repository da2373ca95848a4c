import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { handlerMetric, type HandlerMetricName } from './metrics';

/** Where the default handler's telemetry lands (the Bedrock backend): undefined with your own handler. */
export interface HandlerTelemetry {
  readonly metricsNamespace?: string;
  /** The default handler's log group: one JSON line per request. */
  readonly handlerLogGroup?: logs.ILogGroup;
  /** Defined when the API has token budgets, whose refusals the dashboard then shows. */
  readonly budgetTable?: unknown;
}

/** API Gateway's metrics of the stage (ApiShell has them). */
export interface StageMetrics {
  metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** What the dashboard shows beyond traffic, latency and tokens. */
export interface DashboardOptions {
  /** The API has `pricing`: show spend (without it the handler publishes no `Spend` and logs no `costUsd`). */
  readonly spend: boolean;
  /** The API has `fallbackModelIds`: show the requests a fallback answered. */
  readonly fallbacks: boolean;
}

/**
 * Fields of the handler's log line (telemetry.ts RequestRecord) that the Logs Insights widgets read. Logs Insights
 * names a nested JSON field by its dotted path.
 */
export const DASHBOARD_LOG_FIELDS = {
  message: 'message',
  callerType: 'caller.type',
  callerId: 'caller.id',
  costUsd: 'costUsd',
  inputTokens: 'usage.inputTokens',
  outputTokens: 'usage.outputTokens',
  cacheReadTokens: 'usage.cacheReadInputTokens',
  cacheWriteTokens: 'usage.cacheWriteInputTokens',
} as const;

const F = DASHBOARD_LOG_FIELDS;
/** The one line per request (telemetry.ts), not the runtime's or other lines of the log group. */
const REQUEST_LINE = `${F.message} = "request completed"`;
const BY_CALLER = `by ${F.callerType}, ${F.callerId}`;
/** Callers listed in each Logs Insights table. */
const TOP_CALLERS = 20;
/** Widget widths: a dashboard row is 24 columns. */
const THIRD = 8;
const HALF = 12;
const HEIGHT = 6;

/**
 * The operator's CloudWatch dashboard of one API: traffic and errors, latency, tokens, and (by option) spend and
 * budget refusals from the default handler's EMF metrics, and who spends most from its log lines. CloudFormation
 * names it, so two APIs (or two stacks) never collide on an account-wide dashboard name.
 */
export function apiDashboard(
  scope: Construct,
  telemetry: HandlerTelemetry,
  stage: StageMetrics,
  options: DashboardOptions,
): cloudwatch.Dashboard {
  const { metricsNamespace: namespace, handlerLogGroup: logGroup } = telemetry;
  if (namespace === undefined || logGroup === undefined) {
    // validateProps refuses `dashboard` with your own handler before the backend exists.
    throw new Error('The dashboard needs the default handler');
  }
  const m = (name: HandlerMetricName, props?: cloudwatch.MetricOptions) => handlerMetric(namespace, name, props);
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard');
  dashboard.addWidgets(requestsWidget(m, options), errorsByOutcomeWidget(namespace), stageWidget(stage));
  dashboard.addWidgets(
    percentilesWidget('Time to first token (ms)', m, 'TimeToFirstToken'),
    percentilesWidget('Duration (ms)', m, 'Duration'),
    tokensWidget(m),
  );
  if (options.spend) {
    dashboard.addWidgets(spendWidget(m, namespace), spendTotalWidget(m), spendPerCallerWidget(logGroup));
  }
  dashboard.addWidgets(
    ...(telemetry.budgetTable !== undefined ? [budgetWidget(m)] : []),
    tokensPerCallerWidget(logGroup),
  );
  return dashboard;
}

type HandlerMetricOf = (name: HandlerMetricName, props?: cloudwatch.MetricOptions) => cloudwatch.Metric;

function requestsWidget(m: HandlerMetricOf, options: DashboardOptions): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: options.fallbacks ? 'Requests, errors and fallback answers' : 'Requests and errors',
    width: THIRD,
    height: HEIGHT,
    left: [
      m('Requests', { label: 'requests' }),
      m('Errors', { label: 'errors' }),
      ...(options.fallbacks ? [m('Fallbacks', { label: 'answered by a fallback' })] : []),
    ],
    // Errors is 0 for each success and 1 for each failure: its average is the error rate.
    right: [m('Errors', { statistic: cloudwatch.Stats.AVERAGE, label: 'error rate' })],
    rightYAxis: { min: 0, max: 1, showUnits: false },
  });
}

/** One line per model and error code: `ok` is left out, its Errors are all 0. */
function errorsByOutcomeWidget(namespace: string): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Errors by outcome',
    width: THIRD,
    height: HEIGHT,
    left: [
      search(
        namespace,
        ['ModelId', 'Outcome'],
        'Errors',
        "${PROP('Dim.Outcome')} ${PROP('Dim.ModelId')}",
        'NOT Outcome="ok"',
      ),
    ],
  });
}

/** What API Gateway saw, including what it refused before the handler ran (auth, throttling, WAF). */
function stageWidget(stage: StageMetrics): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Stage (API Gateway): requests, 4XX, 5XX',
    width: THIRD,
    height: HEIGHT,
    left: [
      stage.metricCount({ label: 'requests' }),
      stage.metricClientError({ label: '4XX' }),
      stage.metricServerError({ label: '5XX' }),
    ],
  });
}

function percentilesWidget(title: string, m: HandlerMetricOf, name: HandlerMetricName): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    width: THIRD,
    height: HEIGHT,
    left: [50, 90, 99].map((p) => m(name, { statistic: cloudwatch.Stats.p(p), label: `p${p}` })),
  });
}

function tokensWidget(m: HandlerMetricOf): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Tokens',
    width: THIRD,
    height: HEIGHT,
    left: [
      m('InputTokens', { label: 'input' }),
      m('OutputTokens', { label: 'output' }),
      m('CacheReadInputTokens', { label: 'cache read' }),
      m('CacheWriteInputTokens', { label: 'cache write' }),
    ],
  });
}

/** API-wide and one line per model that published a cost (the search finds models without listing them). */
function spendWidget(m: HandlerMetricOf, namespace: string): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Spend (USD)',
    width: THIRD,
    height: HEIGHT,
    left: [m('Spend', { label: 'all models' }), search(namespace, ['ModelId'], 'Spend', "${PROP('Dim.ModelId')}")],
    leftYAxis: { min: 0, showUnits: false, label: 'USD' },
  });
}

function spendTotalWidget(m: HandlerMetricOf): cloudwatch.SingleValueWidget {
  return new cloudwatch.SingleValueWidget({
    title: 'Spend over the time range (USD)',
    width: THIRD / 2,
    height: HEIGHT,
    metrics: [m('Spend', { label: 'USD' })],
    setPeriodToTimeRange: true,
    fullPrecision: true,
  });
}

function spendPerCallerWidget(logGroup: logs.ILogGroup): cloudwatch.LogQueryWidget {
  return callerTable(
    'Spend per caller (USD)',
    logGroup,
    [
      `filter ${REQUEST_LINE} and ispresent(${F.costUsd})`,
      `stats sum(${F.costUsd}) as spendUsd, count(*) as requests ${BY_CALLER}`,
      'sort spendUsd desc',
      `limit ${TOP_CALLERS}`,
    ],
    THIRD + THIRD / 2,
  );
}

/** Every token Bedrock bills: input, output, and cache reads and writes (each 0 when none). */
function tokensPerCallerWidget(logGroup: logs.ILogGroup): cloudwatch.LogQueryWidget {
  return callerTable(
    'Top callers by tokens',
    logGroup,
    [
      `filter ${REQUEST_LINE} and ispresent(${F.inputTokens})`,
      `fields ${F.inputTokens} + ${F.outputTokens} + ${F.cacheReadTokens} + ${F.cacheWriteTokens} as tokens`,
      `stats sum(tokens) as totalTokens, sum(${F.inputTokens}) as input, sum(${F.outputTokens}) as output, ` +
        `sum(${F.cacheReadTokens}) as cacheRead, sum(${F.cacheWriteTokens}) as cacheWrite, count(*) as requests ` +
        BY_CALLER,
      'sort totalTokens desc',
      `limit ${TOP_CALLERS}`,
    ],
    HALF,
  );
}

function budgetWidget(m: HandlerMetricOf): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: 'Budget refusals and unmetered answers',
    width: HALF,
    height: HEIGHT,
    left: [
      m('BudgetRejections', { label: '429 budget_exceeded or rate_limited' }),
      m('UnmeteredRequests', { label: 'answered unmetered (ledger out of reach, failOpen)' }),
    ],
  });
}

function callerTable(title: string, logGroup: logs.ILogGroup, queryLines: string[], width: number) {
  return new cloudwatch.LogQueryWidget({
    title,
    logGroupNames: [logGroup.logGroupName],
    queryLines,
    view: cloudwatch.LogQueryVisualizationType.TABLE,
    width,
    height: HEIGHT,
  });
}

/**
 * A search expression over the handler's metrics with exactly these dimensions: it finds every model (and outcome)
 * that published data in the last two weeks, without the construct listing them. The namespace is always quoted (as
 * Grafana's CloudWatch data source does): a custom `metricsNamespace` may hold spaces or punctuation. `filter`: more search terms, such as `NOT Outcome="ok"`.
 */
function search(
  namespace: string,
  dimensions: string[],
  metricName: HandlerMetricName,
  label: string,
  filter = '',
): cloudwatch.SearchExpression {
  const query = `{"${namespace}",${dimensions.join(',')}} MetricName="${metricName}"${filter && ` ${filter}`}`;
  return new cloudwatch.SearchExpression({ expression: `SEARCH('${query}', 'Sum', 300)`, label });
}
