import { writeRequestRecord, type RequestRecord } from '../../../src/handler/telemetry';

const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

/** A log line as the handler writes it after a priced answer, built by hand (the pricing code sets costUsd). */
function record(fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: 'req-1',
    caller: { type: 'managedKey', id: 'key-alice' },
    endpoint: 'stream',
    modelId: MODEL,
    status: 200,
    outcome: 'ok',
    usage: {
      inputTokens: 1200,
      outputTokens: 300,
      totalTokens: 1500,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
    },
    timeToFirstTokenMs: 420,
    durationMs: 2100,
    ...fields,
  };
}

/** The JSON line writeRequestRecord puts on stdout. */
function written(line: RequestRecord, options = { metrics: true }): any {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => {
    chunks.push(chunk);
    return true;
  }) as typeof process.stdout.write);
  try {
    writeRequestRecord(line, { metricsNamespace: 'ChatProd' }, options);
  } finally {
    spy.mockRestore();
  }
  expect(chunks).toHaveLength(1);
  return JSON.parse(chunks[0]);
}

function metricNames(line: any): string[] {
  return line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
}

describe('the Spend metric', () => {
  test('a line with costUsd carries it as the Spend metric (unit None), in every dimension set', () => {
    const line = written(record({ costUsd: 0.0051 }));
    expect(line.costUsd).toBe(0.0051);
    expect(line.Spend).toBe(0.0051);
    const directive = line._aws.CloudWatchMetrics[0];
    expect(directive.Metrics).toContainEqual({ Name: 'Spend', Unit: 'None' });
    // The same sets as the other metrics: API-wide, per model, per model and outcome.
    expect(directive.Dimensions).toEqual([[], ['ModelId'], ['ModelId', 'Outcome']]);
    expect(line).toMatchObject({ ModelId: MODEL, Outcome: 'ok' });
    expect(directive.Namespace).toBe('ChatProd');
  });

  test('a failed request that still cost something (output before the error) publishes its Spend', () => {
    const line = written(record({ costUsd: 0.0009, status: 200, outcome: 'upstream_timeout' }));
    expect(line).toMatchObject({ Spend: 0.0009, Errors: 1, Outcome: 'upstream_timeout' });
  });

  test('without costUsd (no price for the model) there is no Spend metric, not a Spend of 0', () => {
    const line = written(record());
    expect(metricNames(line)).not.toContain('Spend');
    expect(line).not.toHaveProperty('Spend');
    expect(line).not.toHaveProperty('costUsd');
    expect(metricNames(line)).toContain('Requests');
  });

  test('a cost of 0 (a free answer at the configured price) is published as 0', () => {
    const line = written(record({ costUsd: 0 }));
    expect(line.Spend).toBe(0);
    expect(metricNames(line)).toContain('Spend');
  });

  test('a plain log line (metrics off) carries costUsd for Logs Insights but no EMF document', () => {
    const line = written(record({ costUsd: 0.002 }), { metrics: false });
    expect(line.costUsd).toBe(0.002);
    expect(line).not.toHaveProperty('_aws');
    expect(line).not.toHaveProperty('Spend');
  });
});
