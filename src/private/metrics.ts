import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** The default handler's CloudWatch namespace when `handlerOptions.metricsNamespace` is not set. */
export const DEFAULT_METRICS_NAMESPACE = 'StreamingBedrockApi';

/** The default handler's metrics that the construct's `metric*()` methods return. */
export type HandlerMetricName =
  | 'Requests'
  | 'Errors'
  | 'InputTokens'
  | 'OutputTokens'
  | 'TimeToFirstToken'
  | 'BudgetRejections'
  | 'UnmeteredRequests';

/** Default statistics: counts add up; times are read at the 90th percentile (one slow answer in ten). */
const DEFAULT_STATISTIC: Record<HandlerMetricName, string> = {
  Requests: cloudwatch.Stats.SUM,
  Errors: cloudwatch.Stats.SUM,
  InputTokens: cloudwatch.Stats.SUM,
  OutputTokens: cloudwatch.Stats.SUM,
  TimeToFirstToken: cloudwatch.Stats.p(90),
  BudgetRejections: cloudwatch.Stats.SUM,
  UnmeteredRequests: cloudwatch.Stats.SUM,
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
