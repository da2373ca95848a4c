import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** The default handler's CloudWatch namespace when `handlerOptions.metricsNamespace` is not set. */
export const DEFAULT_METRICS_NAMESPACE = 'StreamingBedrockApi';

/**
 * The bundled handlers' metrics that the constructs' `metric*()` methods return and the dashboard shows
 * (`TimeToFirstByte` is the AgentCore handler's, the token metrics the Bedrock handler's).
 */
export type HandlerMetricName =
  | 'Requests'
  | 'Errors'
  | 'InputTokens'
  | 'OutputTokens'
  | 'CacheReadInputTokens'
  | 'CacheWriteInputTokens'
  | 'TimeToFirstToken'
  | 'TimeToFirstByte'
  | 'Duration'
  | 'BudgetRejections'
  | 'UnmeteredRequests'
  | 'Spend'
  | 'Fallbacks';

/** Default statistics: counts add up; times are read at the 90th percentile (one slow answer in ten). */
const DEFAULT_STATISTIC: Record<HandlerMetricName, string> = {
  Requests: cloudwatch.Stats.SUM,
  Errors: cloudwatch.Stats.SUM,
  InputTokens: cloudwatch.Stats.SUM,
  OutputTokens: cloudwatch.Stats.SUM,
  CacheReadInputTokens: cloudwatch.Stats.SUM,
  CacheWriteInputTokens: cloudwatch.Stats.SUM,
  TimeToFirstToken: cloudwatch.Stats.p(90),
  TimeToFirstByte: cloudwatch.Stats.p(90),
  Duration: cloudwatch.Stats.p(90),
  BudgetRejections: cloudwatch.Stats.SUM,
  UnmeteredRequests: cloudwatch.Stats.SUM,
  Spend: cloudwatch.Stats.SUM,
  Fallbacks: cloudwatch.Stats.SUM,
};

/** The props without which the default handler publishes some of its metrics. */
export interface PublishedWith {
  readonly tokenBudget: boolean;
  readonly pricing: boolean;
  readonly fallbackModelIds: boolean;
}

/** The metrics the default handler publishes only with a prop set: that prop, and why nothing publishes them without. */
const PUBLISHED_ONLY_WITH: Partial<Record<HandlerMetricName, { prop: keyof PublishedWith; without: string }>> = {
  BudgetRejections: {
    prop: 'tokenBudget',
    without: 'without budgets the handler checks no budget and publishes no BudgetRejections metric.',
  },
  UnmeteredRequests: {
    prop: 'tokenBudget',
    without: 'without budgets the handler checks no budget and publishes no UnmeteredRequests metric.',
  },
  Spend: {
    prop: 'pricing',
    without:
      'without prices the handler knows no cost and publishes no Spend metric. Add pricing (USD per million ' +
      'tokens per model id).',
  },
  Fallbacks: {
    prop: 'fallbackModelIds',
    without:
      'without fallback models the model asked answers every request and the handler publishes no Fallbacks metric.',
  },
};

/**
 * One of the default handler's EMF metrics. With no `dimensionsMap` it is the API-wide series (the handler also
 * publishes each metric with no dimensions); `dimensionsMap: { ModelId }` (and `Outcome`) selects one model's series.
 */
export function handlerMetric(
  namespace: string,
  metricName: HandlerMetricName,
  options: cloudwatch.MetricOptions | undefined,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace,
    metricName,
    period: Duration.minutes(5),
    statistic: DEFAULT_STATISTIC[metricName],
    ...options,
  });
}

/**
 * The default handler's metrics of one API, or a clear error where nothing publishes them: with your own handler
 * (`namespace` undefined), and for a metric of PUBLISHED_ONLY_WITH without its prop.
 */
export class HandlerMetrics {
  constructor(
    private readonly subject: string,
    private readonly namespace: string | undefined,
    private readonly published: PublishedWith,
  ) {}

  /** `method` is the construct's method, named in the error. */
  public metric(name: HandlerMetricName, method: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (this.namespace === undefined) {
      throw new Error(
        `${this.subject}: ${method}() needs the default handler, and this API uses your own handler, which does not ` +
          "publish the default handler's metrics. Use your function's metrics (api.handler.metricErrors(), ...) or " +
          'a cloudwatch.Metric of what your function publishes.',
      );
    }
    const condition = PUBLISHED_ONLY_WITH[name];
    if (condition !== undefined && !this.published[condition.prop]) {
      throw new Error(`${this.subject}: ${method}() needs ${condition.prop}: ${condition.without}`);
    }
    return handlerMetric(this.namespace, name, options);
  }
}
