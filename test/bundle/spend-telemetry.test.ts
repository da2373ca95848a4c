/**
 * The shipped handler's log line as the operator's dashboard reads it: the EMF `Spend` metric only where a request
 * has a cost, and the fields its Logs Insights widgets query.
 */
import { MODEL, apiEvent, invokeStream, setEnv, useHandlerTestContext } from './harness';
import { HandlerEnvironment } from '../../src/contract';
import { answer } from '../../src/local/fake-bedrock';
import { DASHBOARD_LOG_FIELDS } from '../../src/private/dashboard';

const ctx = useHandlerTestContext();

/** The value at a Logs Insights field path (`usage.inputTokens`) of a JSON log line. */
function at(line: Record<string, any>, path: string): unknown {
  return path.split('.').reduce<any>((value, key) => value?.[key], line);
}

beforeEach(() =>
  ctx.fake.setScript(() =>
    answer(['Hi'], { usage: { inputTokens: 7, outputTokens: 2, cacheReadInputTokens: 30, cacheWriteInputTokens: 0 } }),
  ),
);

test('an answer without a price (no pricing) has no costUsd and no Spend metric, not a Spend of 0', async () => {
  const res = await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
  expect(res.status).toBe(200);
  const [line] = ctx.logs();
  expect(line).not.toHaveProperty('costUsd');
  expect(line).not.toHaveProperty('Spend');
  const names = line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
  expect(names).toContain('Requests');
  expect(names).not.toContain('Spend');
});

test("every field the dashboard's Logs Insights widgets read is in the line (costUsd once a price is known)", async () => {
  await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
  const [line] = ctx.logs();
  const { costUsd, ...always } = DASHBOARD_LOG_FIELDS;
  expect(costUsd).toBe('costUsd');
  expect(Object.fromEntries(Object.entries(always).map(([name, path]) => [name, at(line, path)]))).toEqual({
    message: 'request completed',
    callerType: 'ip',
    callerId: expect.any(String),
    inputTokens: 7,
    outputTokens: 2,
    cacheReadTokens: 30,
    cacheWriteTokens: 0,
  });
});

test('with a price for the model: costUsd in the line, and the EMF Spend metric of the same value, per model too', async () => {
  const restore = setEnv({ [HandlerEnvironment.PRICING]: JSON.stringify({ [MODEL]: [1, 5, 0.1, 1.25] }) });
  try {
    await invokeStream(ctx.mod, apiEvent({ prompt: 'hi' }));
  } finally {
    restore();
  }
  const [line] = ctx.logs();
  // 7 x $1 + 2 x $5 + 30 x $0.10 per million
  expect(line.costUsd).toBe(0.00002);
  expect(line.Spend).toBe(0.00002);
  const [directive] = line._aws.CloudWatchMetrics;
  expect(directive.Metrics).toContainEqual({ Name: 'Spend', Unit: 'None' });
  expect(directive.Dimensions).toContainEqual(['ModelId']);
  expect(line.ModelId).toBe(MODEL);
});
