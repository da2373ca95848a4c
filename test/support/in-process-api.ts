/**
 * The local API in the test's own process (so that its resources, heap and handler log can be inspected): the
 * bundled handler, configured as the construct would, talking to a fake Bedrock endpoint.
 */
import type { FakeBedrock } from './fake-bedrock';
import { LocalApi, type LocalApiOptions } from '../../src/local/local-api';
import { baseEnv, captureLogs, loadBundle, setEnv } from '../bundle/harness';

export interface InProcessApiOptions extends Partial<LocalApiOptions> {
  /** Handler environment on top of the construct's defaults. */
  readonly env?: Record<string, string>;
}

/** Runs `fn` with the URL of a local API in front of `fake`, and the handler's log records; then stops it all. */
export async function withInProcessApi(
  fake: FakeBedrock,
  options: InProcessApiOptions,
  fn: (url: string, logs: ReturnType<typeof captureLogs>) => Promise<void>,
): Promise<void> {
  const { env, ...apiOptions } = options;
  const restoreEnv = setEnv({ ...baseEnv(fake), ...env });
  const api = new LocalApi({ handlers: loadBundle(), streamTimeoutMs: 60_000, ...apiOptions });
  const logs = captureLogs();
  try {
    await fn(await api.listen(0), logs);
  } finally {
    logs.restore();
    await api.close();
    restoreEnv();
  }
}
