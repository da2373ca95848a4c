/**
 * Every language we claim: jsii-pacmak generates Python, Java, .NET and Go code from the assembly, the generated
 * Python compiles, the README's TypeScript snippets compile and translate (jsii-rosetta), and the Python example
 * byte-compiles.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };
let out: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(root, '.jsii'))) {
    throw new Error("the .jsii assembly is missing: run 'npx projen compile' first");
  }
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'pacmak-'));
});

afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

test('jsii-pacmak generates Python, Java, .NET and Go code', () => {
  execFileSync(bin('jsii-pacmak'), ['--code-only', '--targets', 'python,java,dotnet,go', '--outdir', out], {
    cwd: root,
    env,
    stdio: 'pipe',
  });
  expect(fs.existsSync(path.join(out, 'python', 'src', 'cdk_streaming_bedrock_api', '__init__.py'))).toBe(true);
  expect(
    fs.readdirSync(path.join(out, 'java', 'src', 'main', 'java', 'io', 'github', 'cdkstreamingbedrockapi')),
  ).toContain('StreamingBedrockApi.java');
  expect(
    fs.existsSync(
      path.join(out, 'dotnet', 'CdkStreamingBedrockApi', 'CdkStreamingBedrockApi', 'StreamingBedrockApi.cs'),
    ),
  ).toBe(true);
  expect(fs.existsSync(path.join(out, 'go', 'cdkstreamingbedrockapi', 'StreamingBedrockApi.go'))).toBe(true);
}, 120_000);

test('the generated Python compiles and exposes the construct with snake_case props', () => {
  const pkg = path.join(out, 'python', 'src', 'cdk_streaming_bedrock_api');
  execFileSync('python3', ['-m', 'compileall', '-q', pkg], { stdio: 'pipe' });
  const init = fs.readFileSync(path.join(pkg, '__init__.py'), 'utf8');
  expect(init).toMatch(/class StreamingBedrockApi\(/);
  expect(init).toMatch(/model_id: typing\.Optional\[builtins\.str\]/);
  expect(init).toMatch(/class ApiAuth\(/);
});

test('the README snippets compile against the fixture and translate', () => {
  const tablet = path.join(out, 'tablet.json');
  execFileSync(bin('jsii-rosetta'), ['extract', '--strict', '--cache-to', tablet], { cwd: root, env, stdio: 'pipe' });
  const translations = JSON.stringify(JSON.parse(fs.readFileSync(tablet, 'utf8')));
  expect(translations).toContain('StreamingBedrockApi(self, \\"Chat\\"');
});

test('the Python example byte-compiles', () => {
  execFileSync('python3', ['-m', 'py_compile', path.join(root, 'examples', 'python', 'app.py')], { stdio: 'pipe' });
});
