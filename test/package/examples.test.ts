/**
 * Every example app synthesizes with the pinned CDK CLI, without AWS credentials, with CloudFormation schema
 * validation on. The TypeScript ones are copied into the consumer app (the packed library, the latest aws-cdk-lib):
 * what a user who copies an example gets.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { consumerApp, type ConsumerApp } from './consumer-app';

const root = path.join(__dirname, '..', '..');
const examplesDir = path.join(root, 'examples');
const withCdkJson = fs
  .readdirSync(examplesDir)
  .filter((name) => fs.existsSync(path.join(examplesDir, name, 'cdk.json')));
const isPython = (name: string) => fs.existsSync(path.join(examplesDir, name, 'app.py'));
/** Whether python3 can import aws-cdk-lib and this library's binding (`npx projen package:python`, then pip). */
const pythonBinding =
  spawnSync('python3', ['-c', 'import aws_cdk, cdk_streaming_bedrock_api'], { encoding: 'utf8' }).status === 0;
// The Python apps synthesize where their packages are installed; elsewhere the test below checks they compile.
const examples = withCdkJson.filter((name) => !isPython(name) || pythonBinding);

let consumer: ConsumerApp;
/** The examples inside the consumer app. */
let copied: string;

beforeAll(() => {
  consumer = consumerApp();
  copied = path.join(consumer.appDir, 'examples');
  fs.mkdirSync(copied);
  fs.copyFileSync(path.join(examplesDir, 'tsconfig.json'), path.join(copied, 'tsconfig.json'));
  for (const name of withCdkJson.filter((n) => !isPython(n))) {
    fs.cpSync(path.join(examplesDir, name), path.join(copied, name), { recursive: true });
  }
}, 300_000);

afterAll(() => consumer?.cleanup());

test('the TypeScript examples type-check against the published types', () => {
  const result = spawnSync(path.join(consumer.appDir, 'node_modules', '.bin', 'tsc'), ['-p', copied], {
    encoding: 'utf8',
  });
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
}, 120_000);

test('there are examples', () => {
  expect(examples).toContain('basic');
});

test.each(withCdkJson.filter(isPython))('examples/%s: its cdk.json runs app.py, which python3 compiles', (name) => {
  const dir = path.join(examplesDir, name);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'cdk.json'), 'utf8')).app).toBe('python3 app.py');
  const source = fs.readFileSync(path.join(dir, 'app.py'), 'utf8');
  const result = spawnSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "app.py", "exec")'], {
    input: source,
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});

test.each(examples)(
  'examples/%s synthesizes with the CDK CLI and no credentials',
  (name) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `example-${name}-`));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: 'true',
    };
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      delete env[key];
    }
    const result = spawnSync(
      path.join(root, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', out],
      { cwd: path.join(isPython(name) ? examplesDir : copied, name), env, encoding: 'utf8', timeout: 120_000 },
    );
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const templates = fs.readdirSync(out).filter((f) => f.endsWith('.template.json'));
    expect(templates.length).toBeGreaterThan(0);
    const resources = templates.flatMap((t) =>
      Object.values(
        JSON.parse(fs.readFileSync(path.join(out, t), 'utf8')).Resources as Record<string, { Type: string }>,
      ),
    );
    expect(resources.map((r) => r.Type)).toContain('AWS::ApiGateway::RestApi');
    // The handler asset is the prebuilt bundle: nothing was built at synth.
    const assetDirs = fs.readdirSync(out).filter((f) => f.startsWith('asset.'));
    expect(assetDirs.some((dir) => fs.existsSync(path.join(out, dir, 'index.js')))).toBe(true);
    fs.rmSync(out, { recursive: true, force: true });
  },
  180_000,
);
